{% macro cleaning_rules() -%}
    {%- set declared -%}
- name: cancelled_order
  reason: >-
    the order was cancelled or voided (a cancelled-at time, or a status of the seed
    order_statuses_not_sales treated as cancelled), so none of its lines is a sale
  removes: cancelled_orders.invoice_no is not null
  lookup:
    relation: select invoice_no from {ref:int_orders__status} where is_cancelled
    alias: cancelled_orders
    join_on: lines.invoice_no = cancelled_orders.invoice_no
  applied_in: int_invoice_lines__sold

- name: refunded_order
  reason: >-
    the order was refunded in full (status refunded, or refunds covering what it sold for):
    returned, not a purchase; a partial refund is netted from the order's revenue instead
  removes: refunded_orders.invoice_no is not null
  lookup:
    relation: select invoice_no from {ref:int_orders__status} where is_refunded_in_full
    alias: refunded_orders
    join_on: lines.invoice_no = refunded_orders.invoice_no
  applied_in: int_invoice_lines__sold

- name: missing_customer
  reason: line has no customer id, so it cannot be attributed to a customer
  removes: lines.customer_id is null
  applied_in: int_invoice_lines__with_customer

- name: missing_value
  reason: line has no invoice number, date, stock code, quantity or unit price
  removes: >-
    lines.invoice_no is null or lines.invoiced_at is null or lines.stock_code is null
    or lines.quantity is null or lines.unit_price is null
  applied_in: int_invoice_lines__complete

- name: exact_duplicate
  reason: line repeats an earlier line exactly (every column of the line equal); the first is kept
  removes: first_occurrences.source_row_number is null
  lookup:
    relation: select source_row_number from {ref:int_invoice_lines__deduplicated}
    alias: first_occurrences
    join_on: lines.source_row_number = first_occurrences.source_row_number
  applied_in: int_invoice_lines__deduplicated
  filter: false

- name: cancellation_line
  reason: >-
    line cancels goods (C invoice or negative quantity); after matching it to the purchases
    it cancels ({{ var("cancellation_matching") }} mode) its effect is kept in their
    quantity_canceled
    {%- if var("cancellation_matching") == "reference" -%}
    . Reference mode: a purchase matched by several cancellations keeps only the last one,
    so quantity_canceled_on_purchases can be less than the matched quantity, and a later
    cancellation can exceed a smaller purchase (negative_net_quantity_lines)
    {%- endif %}
  removes: lines.is_cancellation
  applied_in: int_sales_lines__purchases

- name: non_product_code
  reason: >-
    stock code is not a product (seed non_product_stock_codes, with a reason per code; the
    codes and counts are in data_quality_removed_codes)
  removes: non_product_codes.stock_code is not null
  lookup:
    relation: select distinct upper(stock_code) as stock_code from {ref:non_product_stock_codes}
    alias: non_product_codes
    join_on: upper(lines.stock_code) = non_product_codes.stock_code
  applied_in: int_sales_lines__products

- name: non_positive_price
  reason: unit price is zero or negative (free lines, bad-debt adjustments), so the line is no sale
  removes: lines.unit_price <= 0
  applied_in: int_sales_lines__priced
    {%- endset -%}
    {%- set rules = fromyaml(declared) -%}
    {#- the fates take the first rule in this order, the chain removes lines model by model:
        the two agree only if the rules are declared in the chain's order -#}
    {%- set chain = [
        'int_invoice_lines__sold',
        'int_invoice_lines__with_customer', 'int_invoice_lines__complete',
        'int_invoice_lines__deduplicated', 'int_sales_lines__purchases',
        'int_sales_lines__products', 'int_sales_lines__priced'] -%}
    {%- set reached = namespace(position=0) -%}
    {%- for rule in rules -%}
        {%- if rule.applied_in not in chain -%}
            {{ exceptions.raise_compiler_error("cleaning rule " ~ rule.name ~ ": applied_in "
                ~ rule.applied_in ~ " is not a model of the cleaning chain " ~ chain) }}
        {%- elif chain.index(rule.applied_in) < reached.position -%}
            {{ exceptions.raise_compiler_error("cleaning rule " ~ rule.name
                ~ " is declared after a rule applied later in the chain: declare the rules "
                ~ "in the order of the models that apply them (macros/cleaning/cleaning_rules.sql)") }}
        {%- endif -%}
        {%- set reached.position = chain.index(rule.applied_in) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}

{% macro cleaning_rules_in(model_name=none) -%}
    {%- set rules = [] -%}
    {%- for rule in cleaning_rules() if model_name is none or rule.applied_in == model_name -%}
        {%- do rules.append(rule) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}

{% macro cleaning_rule_lookups(model_name=none) -%}
    {%- for rule in cleaning_rules_in(model_name) if rule.lookup %}
left join ({{ cleaning_rule_resolve(rule.lookup.relation) }}) as {{ rule.lookup.alias }}
    on {{ rule.lookup.join_on }}
    {%- endfor %}
{%- endmacro %}

{% macro cleaning_rule_filter(model_name) -%}
    {%- set applied = [] -%}
    {%- for rule in cleaning_rules_in(model_name) if rule.get('filter', true) -%}
        {%- do applied.append('not (' ~ rule.removes ~ ')') -%}
    {%- endfor -%}
    {%- if not applied -%}
        {{ exceptions.raise_compiler_error(
            "no filtering cleaning rule is applied in " ~ model_name
            ~ " (macros/cleaning/cleaning_rules.sql)") }}
    {%- endif -%}
    {{ applied | join('\n    and ') }}
{%- endmacro %}

{% macro cleaning_fates() -%}
    {%- set names = ['kept'] -%}
    {%- for rule in cleaning_rules() -%}
        {%- do names.append(rule.name) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro cleaning_rule_resolve(sql) -%}
    {%- set resolved = namespace(sql=sql) -%}
    {%- for name in modules.re.findall('[{]ref:([A-Za-z0-9_]+)[}]', sql) -%}
        {%- set resolved.sql = resolved.sql.replace('{ref:' ~ name ~ '}', ref(name) | string) -%}
    {%- endfor -%}
    {{ return(resolved.sql) }}
{%- endmacro %}
