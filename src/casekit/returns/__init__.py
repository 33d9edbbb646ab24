"""Returns and exchanges (退换货): rules, registers, alerts and settlement checks.

The pure modules (`settings`, `rules`, `registers`, `alerts`, `settlement`, `summary`) take
plain data (case mappings as read from the files, the config, dates) and return plain
data; reports call them directly. `feature` registers the rules with the core.
"""
