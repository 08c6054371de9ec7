"""Monitoring of the integration: the health dashboard's series, the seed's seven target metrics, the weekly SLA
report (page, CSV, PDF, email) and the Prometheus metrics computed from the database.

Everything here reads (selectors); the one write is the report email (`mailing`). Aggregates run in the database
and work on PostgreSQL and on the demo's SQLite (`sql` holds the few expressions that differ between the two).

    flows.py       the flows the dashboard reports on (deal-to-order, supplier invoices; one entry per new flow)
    sql.py         portable expressions: seconds between timestamps, percentiles, time buckets
    dashboard.py   the dashboard's time series and tiles for a time range
    queue_lag.py   how long handoffs wait for an unavailable ERP, now and over time
    targets.py     the seven metrics with their targets, per week, and the records behind each
    report.py      the weekly SLA report's numbers;  export.py  its CSV and PDF;  mailing.py  the scheduled email
    prometheus.py  /metrics: a collector that reads the database at scrape time
"""
