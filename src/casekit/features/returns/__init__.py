"""Returns and exchanges (退换货): return types and their money, postage, evidence
(attachments), registers, quality alerts and settlement checks.

The pure modules (`settings`, `rules`, `money`, `registers`, `alerts`, `settlement`,
`summary`, `view`) take plain data (case mappings as read from the files, the config,
dates) and return plain data; reports and scripts call them directly. `feature`
registers the rules with the core. May import `casekit.service` and below.
"""
