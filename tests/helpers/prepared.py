"""Which reads went through the prepared path (`seqera.prepared.ModelRows`)."""

from seqera.prepared import ModelRows


def spy_on_prepared_reads(monkeypatch) -> list[str]:
    """The names of the models `ModelRows` builds instances of from now on, in order (clear it
    between requests)."""
    built: list[str] = []
    original = ModelRows.instances

    def spy(self, rows, alias="default"):
        built.append(self.model.__name__)
        return original(self, rows, alias)

    monkeypatch.setattr(ModelRows, "instances", spy)
    return built
