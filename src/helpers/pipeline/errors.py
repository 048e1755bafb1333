"""The error the pipeline raises for every problem it refuses to run with."""

from __future__ import annotations


class PipelineError(RuntimeError):
    """A problem with the pipeline file, the parameters or a step; ``problems`` lists every one found."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
