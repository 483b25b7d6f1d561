"""What a verification found, in words a person can act on.

Standard library only, like `chain`: a file is verified with no database at all.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One thing recomputed and compared: `where` names the part (version 3, history line
    12, page 2 of the PDF), `ok` whether it matched, `detail` what was found."""

    where: str
    ok: bool
    detail: str


@dataclass
class Report:
    subject: str
    findings: list[Finding] = field(default_factory=list)

    def passed(self, where: str, detail: str) -> None:
        self.findings.append(Finding(where, True, detail))

    def failed(self, where: str, detail: str) -> None:
        self.findings.append(Finding(where, False, detail))

    @property
    def intact(self) -> bool:
        return bool(self.findings) and all(f.ok for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def as_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "intact": self.intact,
            "findings": [{"where": f.where, "ok": f.ok, "detail": f.detail} for f in self.findings],
        }
