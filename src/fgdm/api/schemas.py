"""The JSON shapes of the API, documented in the OpenAPI description."""

from __future__ import annotations

from pydantic import BaseModel, Field

from fgdm.network.models import DetailField, Visibility
from fgdm.network.vocabulary import Closeness, Need, PersonKind, Sureness


class DetailOut(BaseModel):
    id: int
    field: DetailField
    value: str
    visibility: Visibility


class OfferOut(BaseModel):
    id: int
    need: Need
    sureness: Sureness
    details: str
    availability: list[str] = Field(description='Week slots like "mon:morning".')


class PersonOut(BaseModel):
    id: int
    known_as: str = Field(description="The name the family uses.")
    full_name: str
    kind: PersonKind
    is_child: bool
    relationship_to_child: str
    languages: str
    area: str
    is_worry: bool = Field(description="Only true when the caller may see the worry.")
    details: list[DetailOut] = Field(description="Only the details the caller may see.")
    offers: list[OfferOut]


class RelationshipOut(BaseModel):
    id: int
    person_a_id: int
    person_b_id: int
    closeness: Closeness
    note: str


class NetworkOut(BaseModel):
    family_group_id: int
    people: list[PersonOut]
    relationships: list[RelationshipOut]


class FindingOut(BaseModel):
    code: str = Field(description="What kind of gap, e.g. too_few_trusted_adults.")
    severity: str = Field(description="info, warning or serious.")
    people: list[int] = Field(description="Ids of the people involved.")
    need: Need | None
    explanation: str
    question: str = Field(description="A question to ask the family.")


class FindingsOut(BaseModel):
    family_group_id: int
    findings: list[FindingOut]
    resilience: dict[Need, int] = Field(
        description="Per kind of help, how many people give it (0: nobody)."
    )


class ErrorOut(BaseModel):
    detail: str = Field(description='What went wrong, e.g. "Not signed in" or "Not Found".')
