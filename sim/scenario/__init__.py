"""What a run is asked to do: the scenario schema, its loading and validation, and the sources of
its defaults."""
