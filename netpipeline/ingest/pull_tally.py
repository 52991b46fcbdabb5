"""Whether a pull adds up: every study the API announced (totalCount), each exactly once."""
from __future__ import annotations

from netpipeline.ingest.api_errors import IncompletePullError
from netpipeline.ingest.page_parser import ServedStudy


class PullTally:
    """Counts a pull page by page and says whether it adds up to the API's totalCount."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.total: int | None = None
        self.seen: set[str] = set()
        self.duplicates: list[str] = []

    def add_page(self, studies: list[ServedStudy], page_total: int | None) -> None:
        if self.total is None:
            if page_total is None:
                raise IncompletePullError(f"{self.base_url}/studies: first page has no totalCount although countTotal=true was sent")
            self.total = page_total
        for study in studies:
            if study.nct_id in self.seen:
                self.duplicates.append(study.nct_id)
            self.seen.add(study.nct_id)

    def verify(self) -> None:
        total = self.total or 0
        if not self.duplicates and len(self.seen) == total:
            return
        parts = [f"the API reported totalCount={total} but the pull returned {len(self.seen)} distinct studies"]
        if len(self.seen) < total:
            parts.append(f"{total - len(self.seen)} missing")
        elif len(self.seen) > total:
            parts.append(f"{len(self.seen) - total} more than announced")
        if self.duplicates:
            shown = ", ".join(sorted(set(self.duplicates))[:10])
            parts.append(f"{len(self.duplicates)} repeated NCT ID(s): {shown}")
        raise IncompletePullError(
            f"{self.base_url}/studies: incomplete pull: " + "; ".join(parts) + ". Nothing was stored for this day."
        )
