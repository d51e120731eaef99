"""End-to-end tests: a real Home Assistant process, the simulated cloud, a real browser."""
