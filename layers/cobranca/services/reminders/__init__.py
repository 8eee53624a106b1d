"""Reminders (régua de cobrança): policy documents, the planner, the sender, delivery status.

- :mod:`.policies` validates, versions and loads each tenant's policy; runs the dry run.
- :mod:`.planner` picks what is due by index query, applies step actions, queues envelopes.
- :mod:`.sender` renders and sends each envelope exactly once per receivable, step and channel.
- :mod:`.delivery` records provider statuses, bounces, opt-outs and conversions.
"""
