"""Customers (客户): the customer file (客户档案) and every case of one caller.

`casekit customer QUERY` finds a customer by phone (any format), part of a name, an
order or an account number: the card from the customer file and every case, newest
first. `casekit customer update PHONE --set key=value` writes the card as one commit, and
a completed callback whose questionnaire names card fields updates it in the callback's
commit. `casekit new` warns about repeat callers and can link to their cases (`--link`).

May import `casekit.service` and below, and `casekit.features.callbacks.settings`.
"""
