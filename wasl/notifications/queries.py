"""Reads of the notifications, for pages that have already passed the access rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from wasl.core import hijri
from wasl.core.errors import NotFound
from wasl.directory.actors import Actor
from wasl.directory.models import Entity
from wasl.registry import rights
from wasl.registry.models import Transaction
from wasl.registry.vocabulary import VISITORS

from . import defaults, outbox
from .models import Contact, Notification, Template
from .states import MANDATORY, Channel, Language, Step


def sent_for(txn: Transaction) -> list[Notification]:
    """What was sent about `txn`, to whom, when and how it went; oldest first. The caller has
    read `txn` through `registry.access`."""
    return list(Notification.objects.filter(transaction_id=txn.pk).order_by("created_at", "id"))


def contact_of(txn: Transaction) -> Contact | None:
    """The visitor's choices for `txn` (as they would be made now when none are kept), or
    None when the transaction has no visitor to notify."""
    return outbox.contact_of(txn) if txn.party_type in VISITORS else None


def section(actor: Actor, txn: Transaction) -> dict[str, Any]:
    """What the transaction page shows of the notifications: what was sent, and the visitor's
    choices (with the form when the reader holds the transaction)."""
    return {
        "sent": sent_for(txn),
        "contact": contact_of(txn),
        "can_edit": rights.works_on(actor, txn),
        "languages": Language.choices,
    }


# ---------------------------------------------------------------------------------------------
# The entity's templates, as its administrator sees them (`directory.administration` has
# checked that the reader administers the entity)


@dataclass
class EntityTemplate:
    """The text of one step on one channel, in both languages, as the entity sends it now."""

    step: str
    channel: str
    body_ar: str
    body_en: str
    enabled: bool = True
    own: bool = False  # the entity's own text (else the default)
    # E-mail: the subject after the reference, in each language ("" for an SMS).
    subject_ar: str = ""
    subject_en: str = ""

    @property
    def mandatory(self) -> bool:
        return self.step in MANDATORY

    @property
    def step_label(self) -> str:
        return str(Step(self.step).label)

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label)


def entity_templates(entity: Entity) -> list[EntityTemplate]:
    """Every text the entity sends (each step of each channel that has one), its own where it
    wrote one, else the default; SMS first, steps in the order of the vocabulary. One query."""
    own: dict[tuple[str, str, str], Template] = {
        (t.channel, t.step, t.language): t for t in Template.objects.filter(entity=entity)
    }
    out = []
    for channel in Channel.values:
        texts = defaults.TEXTS[channel]
        for step in Step.values:
            if step not in texts:
                continue
            ar, en = own.get((channel, step, "ar")), own.get((channel, step, "en"))
            subject = defaults.SUBJECT.get(step, ("", "")) if channel == Channel.EMAIL else ("", "")
            out.append(
                EntityTemplate(
                    step=step,
                    channel=channel,
                    body_ar=ar.body if ar else texts[step][0],
                    body_en=en.body if en else texts[step][1],
                    enabled=all(t.enabled for t in (ar, en) if t),
                    own=bool(ar or en),
                    subject_ar=(ar.subject if ar and ar.subject else subject[0]),
                    subject_en=(en.subject if en and en.subject else subject[1]),
                )
            )
    return out


def entity_template(entity: Entity, step: str, channel: str) -> EntityTemplate:
    """The text of `step` on `channel`; NotFound when that step has none on that channel."""
    for found in entity_templates(entity):
        if found.step == step and found.channel == channel:
            return found
    raise NotFound()


def sample_reference(entity: Entity) -> str:
    """A reference as the entity's next transaction would carry it, for previews and for
    counting an SMS before it is saved (as long as any real one until the year's millionth)."""
    return f"{entity.code}-{hijri.hijri_year(timezone.localdate())}-000123"


# Samples of the steps' own placeholders (`outbox.STEP_PLACEHOLDERS`), to preview their texts:
# what a unit might ask for, an entity that might receive a letter.
SAMPLES = {
    "{document}": {Language.AR: "صورة صك الملكية", Language.EN: "a copy of the title deed"},
    "{receiver}": {Language.AR: "أمانة محافظة جدة", Language.EN: "Jeddah Municipality"},
}


def samples(step: str, language: str) -> dict[str, str]:
    """Every step's own placeholder, {placeholder: value}: the sample for those of `step`,
    empty for the others (as sending leaves them)."""
    mine = outbox.STEP_PLACEHOLDERS.get(step, ())
    return {
        name: values[Language(language)] if name in mine else "" for name, values in SAMPLES.items()
    }


def preview(entity: Entity, body: str, language: str, step: str) -> str:
    """`body` as a visitor would read it about a sample transaction of the entity: the same
    rendering as sending (`outbox.render`), with the entity's name in `language` and samples
    of the step's own placeholders (`samples`)."""
    name = entity.name_en if language == Language.EN and entity.name_en else entity.name_ar
    own = {key.strip("{}"): value for key, value in samples(step, language).items()}
    return outbox.render(body, sample_reference(entity), name, own)


def preview_subject(entity: Entity, step: str, language: str, subject: str = "") -> str:
    """The e-mail's subject as the visitor reads it: the reference, then `subject` (else the
    default subject of `step`)."""
    index = Language.values.index(language)
    return f"{sample_reference(entity)} — {subject or defaults.SUBJECT[step][index]}"
