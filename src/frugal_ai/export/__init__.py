"""Sending what the ledger records to other tools (OpenTelemetry: `export.otel`)."""
