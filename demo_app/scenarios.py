"""The route pairs to exercise: sub-path as declared, the concrete request, which twins exist."""

from __future__ import annotations

from dataclasses import dataclass, field

GOOD = "good"
BAD = "bad"

UPLOAD_BODY = b"id,name\n" + b"".join(b"%d,user %d\n" % (i, i) for i in range(200))


@dataclass(frozen=True)
class Scenario:
    sub_path: str  # as declared on the router, e.g. "/users/{user_id}"
    method: str = "GET"
    url: str = ""  # concrete sub-path requested; defaults to sub_path
    variants: tuple[str, ...] = (GOOD, BAD)
    params: dict[str, str] = field(default_factory=dict)
    upload: bool = False
    # The route hands work to a background task, which runs after the response is sent.
    background: bool = False

    @property
    def request_path(self) -> str:
        return self.url or self.sub_path

    def route_path(self, variant: str) -> str:
        return f"/{variant}{self.sub_path}"

    def request_kwargs(self) -> dict[str, object]:
        kwargs: dict[str, object] = {"params": self.params}
        if self.upload:
            kwargs["files"] = {"file": ("users.csv", UPLOAD_BODY, "text/csv")}
        return kwargs


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("/sleep"),
    Scenario("/sleep-sync", variants=(GOOD,)),
    Scenario("/fetch-data"),
    Scenario("/submit", method="POST", params={"data": "hello"}, background=True),
    Scenario("/users/{user_id}", url="/users/42"),
    Scenario("/cpu-task/{number}", url="/cpu-task/7"),
    Scenario("/weather"),
    Scenario("/weather-sync", variants=(GOOD,)),
    Scenario("/aggregate"),
    Scenario("/stream"),
    Scenario("/upload", method="POST", upload=True, background=True),
    Scenario("/sqlite"),
    Scenario("/report"),
)
