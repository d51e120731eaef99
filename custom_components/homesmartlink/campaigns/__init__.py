"""Demand response: a campaign as data, an account's book of them, and their run.

`model` (a campaign as data, no Home Assistant), `book` (an account's campaigns, persisted),
`run` (sending, following, verifying, telling).

Nothing is imported here, so that the coordinator can import the book alone.
"""
