{{ config(enabled=true) }}
-- Every customer's standardised log RFM features: the input of the clustering models.
{{ rfm_z_features(ref('customer_rfm')) }}
