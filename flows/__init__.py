"""Prefect flows, one module per integration: parameters, the DAG, artifacts, run names."""
