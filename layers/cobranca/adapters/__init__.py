"""The edge: storage, ERP connectors, payment providers and message channels."""
