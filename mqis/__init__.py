"""MQIS: the Markets Quality and Insight System for adult social care."""
