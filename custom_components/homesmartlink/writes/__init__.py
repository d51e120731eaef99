"""The write side: the one way to change a heater, whoever asks.

Lower modules (what a home holds; they never import the coordinator): `plan` (pure planning of
derogations), `timeline` (instants and the homes' wall clock), `outcomes` (typed answers),
`ledger` (what we asked of the cloud, saved before it is sent, and what became of it),
`learned` (each heater's comfort and eco setpoints). Upper modules (they read a home):
`policy` (the scheduled setpoint, the reachable span), `overrides` (what people ask, as room
changes), `send` (plan, save, send, save the outcome, refresh), `settle` (uncertain outcomes
settled by what the heaters report).

Nothing is imported here, so that the coordinator can import the lower modules without
importing the upper ones.
"""
