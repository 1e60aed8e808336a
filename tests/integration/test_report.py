"""The report a marketing manager reads in five minutes, measured in a browser.

The real-data report is opened in headless Chromium with a real viewport of 1280 x 900 (a
laptop) and 390 x 844 (a phone), set through the DevTools protocol over a pipe (Chromium's
`--window-size` cannot go below 500 px wide in headless mode). Everything asserted about
the page is measured by a script running in it: widths, what lies on the first screen, the
headings, the visible text's numbers, the swatches' computed colours and the chart images'
pixels. Set REPORT_SCREENSHOTS=<folder> to keep the first-screen screenshots (that is how
docs/report/*.png are made).
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from conftest import query, run_segments
from retail_segments import report_format as fmt
from samples import CHROMIUM_FLAGS, number_problems

SECTION_HEADINGS = [
    "Segments and what to do",
    "How the segments were chosen",
    "Product categories",
    "New customers: what the first invoice tells",
    "Lifetime value: forecast against what happened",
    "Campaigns",
    "Movement between segments",
    "Exploration",
    "Data quality",
]

# ------------------------------------------------------------------ browser (DevTools pipe)


class Page:
    """One headless Chromium tab driven over --remote-debugging-pipe (fds 3 and 4)."""

    def __init__(self, chromium: str, profile: Path, width: int, height: int):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def as_fds_3_and_4():
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=as_fds_3_and_4,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._events: list[dict] = []
        self._id = 0
        self.session = None
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}
        )["sessionId"]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        self.send("Page.enable")

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, timeout: float = 120) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self._events.append(reply)

    def open(self, url: str, timeout: float = 120) -> None:
        self._events.clear()
        self.send("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            self._events.append(self._message(deadline))

    def evaluate(self, expression: str):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(json.dumps(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=30)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


# What the page says about itself, measured in it. First the first screen as it loads;
# then every <details> opened, so what hides in them is measured too.
MEASURE = r"""
(() => {
  const W = __DEVICE_WIDTH__, H = window.innerHeight;
  const rect = (el) => el ? el.getBoundingClientRect() : null;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (typeof el.className === "string" && el.className.trim()
        ? "." + el.className.trim().split(/\s+/).join(".") : "") +
      ' "' + (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50) + '"';
  const first = {
    summaryHeadingTop: rect(document.querySelector("#segments h2"))?.top ?? null,
    headlines: [...document.querySelectorAll(".headline")].map((li) => ({
      segment: li.dataset.segment, text: li.innerText.trim(), bottom: rect(li).bottom })),
    cards: [...document.querySelectorAll(".card")].map((card) => ({
      segment: card.dataset.segment,
      top: rect(card).top,
      stats: card.querySelector(".stats")?.innerText ?? "",
      action: card.querySelector(".action")?.innerText.trim() ?? "",
      actionBottom: rect(card.querySelector(".action"))?.bottom ?? null,
      exportCount: card.querySelector(".export-count")?.innerText ?? null })),
  };
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const overflowing = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > W + 0.5 || r.left < -0.5)
      overflowing.push(name(el) + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]");
  }
  // the visible text, one text node at a time (a table cell never runs into the next),
  // leaving out code (file paths)
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => node.parentElement.closest("code, script, style")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT });
  while (walker.nextNode()) texts.push(walker.currentNode.nodeValue);
  return JSON.stringify({
    innerWidth: window.innerWidth, innerHeight: H,
    scrollWidth: document.documentElement.scrollWidth,
    first, overflowing,
    headings: [...document.querySelectorAll("h2")].map((h) => h.innerText.trim()),
    texts,
    images: [...document.images].map((img) => ({
      alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
      segments: img.dataset.segments ?? null, colours: img.dataset.segmentColours ?? null })),
    charts: Number(document.body.dataset.charts),
    captions: [...document.querySelectorAll("figure")].map(
      (f) => f.querySelector("figcaption")?.innerText.trim() ?? ""),
    external: [...document.querySelectorAll("[src], [href]")]
      .map((el) => el.getAttribute("src") ?? el.getAttribute("href"))
      .filter((url) => !/^(data:|#)/.test(url)),
    swatches: [...document.querySelectorAll(".swatch")].map(
      (s) => [s.dataset.segment, getComputedStyle(s).backgroundColor]),
  });
})()
"""

SEGMENT_IMAGES = r"""
JSON.stringify([...document.images].filter((img) => img.dataset.segmentColours)
  .map((img) => [img.alt, img.dataset.segments, img.dataset.segmentColours, img.src]))
"""


def _shows_share(text: str, value: float) -> bool:
    """Whether a shown percentage ('76%', '4.0%', '>99%', '<0.1%') is `value` (a share)
    rounded as shown: read back from the text, not formatted with the report's own code."""
    if text == ">99%":
        return 0.99 < value < 1
    if text == "<0.1%":
        return 0 < value < 0.001
    number = re.fullmatch(r"(\d+)(\.(\d))?%", text)
    if not number:
        return False
    step = 0.1 if number.group(2) else 1.0
    return abs(float(text[:-1]) - value * 100) <= step / 2 + 1e-9


def _shows_money(text: str, value: float) -> bool:
    """Whether shown money ('£4,463', '£4.95') is `value`, rounded as shown."""
    number = re.fullmatch(r"£(\d{1,3}(,\d{3})*)(\.\d\d)?", text)
    if not number:
        return False
    step = 0.01 if number.group(3) else 1.0
    return abs(float(text[1:].replace(",", "")) - value) <= step / 2 + 1e-9


def _rgb(css: str) -> str:
    """'rgb(78, 121, 167)' -> '#4e79a7'."""
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return binary


@pytest.fixture(scope="module")
def real_report(real_allocate_db, tmp_path_factory) -> tuple[Path, float, str]:
    out = tmp_path_factory.mktemp("real_report") / "report.html"
    started = time.monotonic()
    result = run_segments(
        "report", "--db", str(real_allocate_db), "--out", str(out), cwd=out.parent
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, seconds, result.stdout


def _measure(chromium: str, report: Path, width: int, height: int, folder: Path):
    page = Page(chromium, folder / f"profile-{width}", width, height)
    try:
        page.open(report.as_uri())
        screenshot = folder / f"first-screen-{width}.png"
        page.screenshot(screenshot)
        measured = json.loads(page.evaluate(MEASURE.replace("__DEVICE_WIDTH__", str(width))))
        images = json.loads(page.evaluate(SEGMENT_IMAGES))
    finally:
        page.close()
    keep = os.environ.get("REPORT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(keep) / screenshot.name)
    return measured, images, screenshot


def test_real_report_is_light_quick_and_one_line_per_section(real_report):
    out, seconds, stdout = real_report
    assert out.stat().st_size < 3_000_000, out.stat().st_size
    assert seconds < 60, f"rendering took {seconds:.0f}s"
    progress = [line for line in stdout.splitlines() if line.startswith("[")]
    assert progress == [
        line for line in progress if re.fullmatch(r"\[\d/9\] .+: ok \(\d+\.\ds\)", line)
    ], progress
    assert [line.split("] ", 1)[1].rsplit(": ok", 1)[0] for line in progress] == SECTION_HEADINGS
    page = out.read_text()
    assert "http://" not in page and "https://" not in page  # nothing fetched, no CDN


def test_real_report_says_what_each_campaign_did(real_report, real_allocate_db):
    """One part per declared campaign (tests/data/campaigns/real_data_campaigns.csv): its
    power before the start and a one-line verdict per measure, in the words and numbers of
    campaign_plan and campaign_results."""
    out, _, _ = real_report
    page = out.read_text()
    section = page[page.index('<section id="campaigns">') :]
    section = html.unescape(section[: section.index("</section>")])
    for key in ("autumn_winback", "late_at_risk", "new_year_preview", "typo_winback"):
        assert f"<h3>{key}</h3>" in section
    winback = section[section.index("<h3>autumn_winback</h3>") : section.index("<h3>late_at_risk")]
    contacted, held_out, rate, lower, upper = query(
        real_allocate_db,
        "select treatment_value, control_value, uplift, uplift_low, uplift_high from "
        "marts.campaign_results where campaign_key = 'autumn_winback' and level = 'campaign' "
        "and metric = 'purchase_rate'",
    )[0]
    assert (
        f"No measurable effect: share who bought {fmt.percent(contacted)} contacted vs "
        f"{fmt.percent(held_out)} held out: {fmt.points(rate)} (95% interval "
        f"{fmt.points(lower)} to {fmt.points(upper)}"
    ) in winback
    assert "To contact: 796 customers (campaign_contacts); held out: 99 (11%; declared 10%)" in (
        winback
    )
    assert "it could detect, with 80% power, a rise in the share who buy of +14.5 points" in winback
    running = section[section.index("<h3>late_at_risk") : section.index("<h3>new_year_preview")]
    assert "Too early to tell, 35 days of the window to come; so far" in running
    assert "(no interval or p-value until the window has passed)" in running
    assert "At Risk" in running and "Can't Lose Them" in running  # the segment table
    preview = section[section.index("<h3>new_year_preview") :]
    assert "it starts after the data ends; its window closes on 18 Jan 2012" in preview
    assert "Unknown segment: this build has no segment named Lapsed regularz, so" in preview


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_real_report_reads_in_a_browser(
    chromium, real_report, real_allocate_db, tmp_path, width, height
):
    report, _, _ = real_report
    page, images, screenshot = _measure(chromium, report, width, height, tmp_path)

    # a real viewport of that width, and nothing wider than it (on a phone, content wider
    # than the screen widens the layout viewport itself, so innerWidth bites there too)
    assert (page["innerWidth"], page["innerHeight"]) == (width, height), page["overflowing"][:10]
    assert page["scrollWidth"] <= width, page["overflowing"][:10]
    assert page["overflowing"] == []

    # the answer first: every behavioural segment's headline, with what to do, on the first
    # screen; on a laptop every segment's card down to its recommended action too
    segments = query(
        real_allocate_db,
        "select p.segment_name, p.customers, count(s.customer_id) from marts.segment_profiles p "
        "left join marts.customer_segments s using (segment_name) group by all "
        "order by any_value(p.cluster_id)",
    )
    # each segment's figures, recomputed from the customers (not from the report's inputs)
    figures = {
        name: (share, clv, p90)
        for name, share, clv, p90 in query(
            real_allocate_db,
            "select segment_name, sum(monetary) / sum(sum(monetary)) over (), avg(clv_12m), "
            "avg(probability_purchase_90d) from marts.customer_segments group by all",
        )
    }
    churn = {
        name: (mean_risk, high, days)
        for name, mean_risk, high, days in query(
            real_allocate_db,
            "select segment_name, avg(churn_risk_90d), avg((churn_risk_band = 'High')::int), "
            "median(average_days_between_purchases) from marts.customer_segments group by all",
        )
    }
    (dropout_identified,) = query(
        real_allocate_db,
        "select dropout_identified from marts.clv_model_parameters where fit_window = 'full'",
    )[0]
    verdicts = {
        verdict
        for (verdict,) in query(
            real_allocate_db, "select verdict from reference.segment_verdict_rules"
        )
    }
    overview = {
        segment: (headline, action)
        for segment, headline, action in query(
            real_allocate_db,
            "select segment, headline, recommended_action from marts.segment_overview "
            "where segment_type = 'behavioural_segment'",
        )
    }
    first = page["first"]
    assert first["summaryHeadingTop"] is not None and first["summaryHeadingTop"] < height
    assert [h["segment"] for h in first["headlines"]] == [name for name, _, _ in segments]
    for headline, (_, customers, _) in zip(first["headlines"], segments, strict=True):
        assert headline["bottom"] <= height, headline
        assert headline["text"].endswith(tuple(f"— {v}." for v in verdicts)), headline
        # the words analysts read in the warehouse
        assert headline["text"].endswith(overview[headline["segment"]][0]), headline
        assert f"{customers:,} customers" in headline["text"], headline
        share, clv, p90 = figures[headline["segment"]]
        shown = re.search(r"bring (\S+) of revenue", headline["text"])
        assert shown and _shows_share(shown.group(1), share), headline
        shown = re.search(r"(\S+) chance to buy within 90 days", headline["text"])
        assert shown and _shows_share(shown.group(1), p90), headline
        if headline["text"].endswith("protect them."):  # never told of a group slipping away
            chance = re.search(r"(\d+)% chance to buy within 90 days", headline["text"])
            assert chance and int(chance.group(1)) >= 30, headline
    assert [c["segment"] for c in first["cards"]] == [name for name, _, _ in segments]
    for card, (_, customers, exported) in zip(first["cards"], segments, strict=True):
        assert card["action"] == f"Do: {overview[card['segment']][1]}", card
        assert card["exportCount"] == f"{exported:,}" and exported == customers, card
        assert f"{customers:,} (" in card["stats"], card
        share, clv, p90 = figures[card["segment"]]
        shown = re.search(r"Mean 12-month CLV\s+(\S+)", card["stats"])
        assert shown and _shows_money(shown.group(1), clv), card
        # the outlook: churn risk (the complement of the headline's chance) and its High band
        mean_risk, high, days = churn[card["segment"]]
        shown = re.search(r"no order in 90 days\)\s+(\S+) · (\S+) of them High", card["stats"])
        assert shown and _shows_share(shown.group(1), mean_risk), card
        assert _shows_share(shown.group(2), high), card
        assert abs(mean_risk - (1 - p90)) < 1e-9
        shown = re.search(r"Days between orders \(median of repeat buyers\)\s+(\d+)", card["stats"])
        assert shown and abs(int(shown.group(1)) - days) <= 0.5, card
        # a probability the model cannot identify is not shown as one
        still_active = re.search(r"Still active \(probability\)\s+(.+)", card["stats"])
        assert still_active, card
        if dropout_identified:
            assert re.fullmatch(r">?\d+(\.\d)?%", still_active.group(1).strip()), card
        else:
            assert still_active.group(1).strip() == "not measurable (below)", card
        if width >= 1280:
            assert card["actionBottom"] <= height, card

    # then the evidence: every section, in order
    assert page["headings"] == SECTION_HEADINGS

    # numbers a person reads
    assert number_problems(page["texts"]) == []
    visible = "\n".join(page["texts"])
    assert re.search(r"£\d{1,3}(,\d{3})+\b", visible)  # money with separators
    assert re.search(r"\b\d{1,2}\.\d%", visible) and re.search(r"\b\d{2}%", visible)

    # self-contained; every chart drawn, titled with its unit
    assert page["external"] == []
    assert len(page["images"]) == page["charts"] >= 15
    assert all(image["loaded"] for image in page["images"]), page["images"]
    assert len(page["captions"]) == page["charts"]
    assert all(re.search(r"\([^)]+\)$", caption) for caption in page["captions"]), page["captions"]

    # one colour per segment: every swatch of a segment the same, and every chart that shows
    # segments draws each in its swatch's colour (found in the chart's own pixels)
    swatch_colour: dict[str, set[str]] = {}
    for segment, css in page["swatches"]:
        swatch_colour.setdefault(segment, set()).add(_rgb(css))
    assert all(len(colours) == 1 for colours in swatch_colour.values()), swatch_colour
    assert len(images) >= 5
    for alt, names, colours, src in images:
        pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        present = {
            f"#{r:02x}{g:02x}{b:02x}"
            for r, g, b in np.unique(
                (pixels[..., :3] * 255).round().astype(int).reshape(-1, 3), axis=0
            )
        }
        for segment, colour in zip(names.split("|"), colours.split(","), strict=True):
            assert colour in present, (alt, segment, colour)
            if segment in swatch_colour:
                assert swatch_colour[segment] == {colour}, (alt, segment)

    assert screenshot.stat().st_size > 20_000


def test_report_exposure_lists_exactly_the_marts_it_reads(real_allocate_db, tmp_path):
    """Lineage tells the truth. Rendering the report records every mart each
    section looks at: each section module declares exactly those (MARTS), and the
    segmentation_report exposure in the build's manifest depends on exactly their union."""
    import json

    from retail_segments import publish, report
    from retail_segments.report.page import ReportPage

    _, gaps, read = report.render(real_allocate_db, tmp_path / "report.html")
    assert gaps == 0  # every part drawn, so every mart a part needs was read
    declared = {"page": ReportPage.MARTS} | {
        section.ANCHOR: section.MARTS for section in report.SECTION_CLASSES
    }
    assert read == declared
    target, _ = publish.dbt_paths(real_allocate_db)
    manifest = json.loads((target / "manifest.json").read_text())
    (exposure,) = (
        node for node in manifest["exposures"].values() if node["name"] == "segmentation_report"
    )
    exposed = {node_id.split(".")[-1] for node_id in exposure["depends_on"]["nodes"]}
    everything = set().union(*read.values())
    assert everything == exposed, (sorted(everything - exposed), sorted(exposed - everything))
    assert len(everything) >= 20
