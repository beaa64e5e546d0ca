"""postmortem: turn the end of a project into lessons a team acts on."""

__version__ = "0.1.0"
