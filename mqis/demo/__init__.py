"""The demo North West region: real CQC rows topped up with synthetic locations and returns.

A plain package, not a Django app: it owns no tables. Everything it makes is marked
`is_synthetic` (providers and locations) or stored through the returns write path with
channel "demo".
"""
