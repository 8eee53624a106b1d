"""Use cases: the steps of collection, wiring the domain to storage, queues and providers."""
