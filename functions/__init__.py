"""Entry points as Azure Functions v2 blueprints; the handlers themselves are framework-neutral and shared locally."""
