"""The village table (contract section 1): one row per desa or kelurahan."""

from __future__ import annotations

from pydantic import BaseModel, Field

DEFAULT_KABUPATEN = ""  # the one kabupaten of a table that has no `kabupaten` column


class Village(BaseModel):
    village_code: str  # Kemendagri code, dotted: "32.16.01.2001"
    village_name: str
    kecamatan: str
    kabupaten: str = DEFAULT_KABUPATEN
    dana_desa_idr: float = Field(ge=0)
    add_idr: float = Field(default=0.0, ge=0)
    uninsured: dict[str, int]  # group -> informal workers not yet enrolled
    enrolled: dict[str, int] = Field(default_factory=dict)  # group -> already enrolled
    priority: float = Field(default=1.0, ge=0)
    max_share: float | None = Field(default=None, ge=0, le=1)

    @property
    def is_kelurahan(self) -> bool:
        """Kemendagri codes whose last block starts with 1 are kelurahan (no dana desa)."""
        return self.village_code.rsplit(".", 1)[-1].startswith("1")


class VillageTable(BaseModel):
    """A validated village table. `groups` are the `<group>` names of its `uninsured_` columns,
    in file order; every village has a count (possibly 0) for every group."""

    groups: list[str]
    villages: list[Village]
    source: str | None = None  # the file or upload it came from

    @property
    def kabupaten(self) -> list[str]:
        """The distinct kabupaten values, in first-seen order."""
        return list(dict.fromkeys(v.kabupaten for v in self.villages))
