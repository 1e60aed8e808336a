"""Predicted segments of the customers whose first purchase is in the latest window, by
the best model of int_prediction_evaluation.
Logic: retail_segments.prediction."""

from retail_segments import frames, prediction


def model(dbt, session):
    dbt.config(materialized="table")
    settings = prediction.PredictionSettings.from_meta(dbt.config.get("meta"))
    study = prediction.study_from_table(frames.to_pandas(dbt.ref("int_prediction_study")))
    evaluation = frames.to_pandas(dbt.ref("int_prediction_evaluation"))
    return prediction.predict_newcomers(study, evaluation, settings)
