"""The visitor's choices, changed by the staff who hold the transaction, and the entity's
templates, changed by its administrator."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction as db

from wasl.audit import services as audit
from wasl.core import identity
from wasl.core.errors import Forbidden, InvalidInput, NotFound
from wasl.core.text import clean_text
from wasl.directory.actors import Actor
from wasl.directory.administration import administered_entity
from wasl.directory.models import Entity, entity_code_of
from wasl.registry import access, rights
from wasl.registry import services as registry_services
from wasl.registry.vocabulary import VISITORS

from . import conf, defaults, queries, sms
from .models import Contact, Template
from .outbox import STEP_PLACEHOLDERS, contact_of, placeholders
from .states import MANDATORY, Channel, Language


def set_contact(
    actor: Actor,
    transaction_id: object,
    *,
    phone: str,
    language: str,
    sms: bool,
    optional: bool,
    email: str | None = None,
) -> Contact:
    """Record how the transaction's visitor wants to hear about it (تفضيلات التواصل): the
    mobile number (a Saudi mobile, stored in E.164; empty for none), the language, SMS on or
    off, and whether they take the messages that are not mandatory (the mandatory ones, the
    reference number, go whatever they choose), and the e-mail address (None: unchanged;
    empty: none) — the one address whose mail joins the transaction (`wasl.mail`); saving an
    address again clears the failure a bounce marked on it.

    Who: a clerk or head of the owning unit. Records `notifications.contact.changed` with the
    old and new values."""
    if language not in Language.values:
        raise InvalidInput(
            "اختر العربية أو الإنجليزية.",
            "Choose Arabic or English.",
            code="invalid_language",
            field="language",
        )
    number = identity.normalise_phone(phone) if phone.strip() else ""
    address = clean_email(email) if email is not None else None
    with db.atomic():
        txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        if not rights.works_on(actor, txn):
            raise Forbidden(
                "المعاملة ليست لدى إدارتك الآن.",
                "Your unit does not hold this transaction.",
                code="not_holder",
            )
        if txn.party_type not in VISITORS:
            raise InvalidInput(
                "لا يُراسَل إلا صاحب المعاملة من مواطن أو مقيم أو منشأة.",
                "Only a citizen, resident or company party is notified.",
                code="no_visitor",
            )
        contact = contact_of(txn)
        fields = ["phone", "language", "sms", "optional", "email", "email_failing"]
        old = {name: getattr(contact, name) for name in fields}
        contact.phone, contact.language, contact.sms, contact.optional = (
            number,
            language,
            sms,
            optional,
        )
        if address is not None:
            contact.email = address
            contact.email_failing, contact.email_failing_at = "", None
        new = {name: getattr(contact, name) for name in fields}
        if new == old:
            return contact
        contact.save()  # the first change writes the row
        audit.record(
            "notifications.contact.changed",
            chain=entity_code_of(txn.entity_id),
            object_type="transaction",
            object_id=str(txn.public_id),
            actor_id=actor.user_id,
            actor=actor.username,
            data={"reference": txn.reference, "old": old, "new": new},
        )
    return contact


def clean_email(value: str) -> str:
    """An e-mail address as kept (`registry.services.clean_email`, one rule for both)."""
    return registry_services.clean_email(value)


# ---------------------------------------------------------------------------------------------
# The entity's templates (قوالب الإشعارات), edited by its administrator

# The longest text an administrator may save, in characters, per channel: an SMS is capped
# in parts long before this (WASL_SMS_MAX_PARTS); an e-mail is a short notice, not a letter.
BODY_MAX = {Channel.SMS: 1_000, Channel.EMAIL: 5_000}
# What looks like a placeholder: anything short between braces ("{ reference }" included).
BRACED = re.compile(r"\{[^{}]{0,40}\}")


class InvalidTemplates(InvalidInput):
    """One or more of the texts cannot be saved; `errors` holds one error per field."""

    code = "invalid_template"

    def __init__(self, errors: list[InvalidInput]) -> None:
        first = errors[0]
        super().__init__(first.message_ar, first.message_en, code=first.code, field=first.field)
        self.errors = errors


def check_template(entity: Entity, step: str, channel: str, language: str, body: str) -> None:
    """Raise InvalidInput (for the field `body_<language>`) when `body` cannot be the text of
    `step` on `channel`: empty, too long, a placeholder the step does not fill
    (`outbox.placeholders`), a mandatory message without its {reference}, a step's own
    placeholder left out ({document}), or an SMS over the cap on parts once rendered with the
    sample transaction (`queries.preview`: a sample reference, the entity's own name)."""
    field = f"body_{language}"
    arabic = language == Language.AR
    name_ar, name_en = ("العربي", "Arabic") if arabic else ("الإنجليزي", "English")
    if not body.strip():
        raise InvalidInput(
            f"اكتب النص {name_ar}.", f"Write the {name_en} text.", code="required", field=field
        )
    limit = BODY_MAX[channel]
    if len(body) > limit:
        raise InvalidInput(
            f"النص {name_ar} أطول من المسموح ({len(body):,} حرفًا، والحد {limit:,}).",
            f"The {name_en} text is too long ({len(body):,} characters; at most {limit:,}).",
            code="too_long",
            field=field,
        )
    allowed = placeholders(step)
    unknown = sorted({m.group(0) for m in BRACED.finditer(body)} - set(allowed))
    if unknown:
        shown = "، ".join(unknown[:5])
        listed_ar, listed_en = "، ".join(allowed), ", ".join(allowed)
        raise InvalidInput(
            f"في النص {name_ar} متغيّر غير معروف: {shown}. المتغيّرات المتاحة: {listed_ar}.",
            f"The {name_en} text has an unknown placeholder: {', '.join(unknown[:5])}. "
            f"Placeholders: {listed_en}.",
            code="unknown_placeholder",
            field=field,
        )
    if step in MANDATORY and "{reference}" not in body:
        raise InvalidInput(
            f"هذه الرسالة تحمل رقم المعاملة: ضع {{reference}} في النص {name_ar}.",
            f"This message carries the reference: put {{reference}} in the {name_en} text.",
            code="reference_required",
            field=field,
        )
    for own in STEP_PLACEHOLDERS.get(step, ()):
        if own not in body:
            raise InvalidInput(
                f"هذه الرسالة تحمل ما تطلبه الإدارة: ضع {own} في النص {name_ar}.",
                f"This message carries what the unit asks for: put {own} in the {name_en} text.",
                code="placeholder_required",
                field=field,
            )
    if channel == Channel.SMS:
        counted = sms.count(queries.preview(entity, body, language, step), language)
        cap = conf.get("WASL_SMS_MAX_PARTS")
        if counted.parts > cap:
            raise InvalidInput(
                f"الرسالة {name_ar} تقع في {counted.parts} أجزاء، والحد {cap}: اختصرها.",
                f"The {name_en} message takes {counted.parts} parts; at most {cap}: shorten it.",
                code="too_many_parts",
                field=field,
            )


SUBJECT_MAX = 120


def check_subject(channel: str, language: str, subject: str) -> str:
    """The e-mail subject of a template, cleaned (one line, at most `SUBJECT_MAX` characters,
    no placeholder: the reference always leads it, put there by the outbox); "" for an SMS
    and for the default. Raises InvalidInput for the field `subject_<language>`."""
    if channel != Channel.EMAIL:
        return ""
    arabic = language == Language.AR
    name_ar, name_en = ("العربي", "Arabic") if arabic else ("الإنجليزي", "English")
    subject = clean_text(
        subject,
        field=f"subject_{language}",
        max_length=SUBJECT_MAX,
        required=False,
        label_ar=f"الموضوع {name_ar}",
        label_en=f"{name_en} subject",
    )
    if BRACED.search(subject):
        raise InvalidInput(
            f"الموضوع {name_ar} لا يحمل متغيّرات: رقم المعاملة يتقدّمه دائمًا.",
            f"The {name_en} subject holds no placeholder: the reference always leads it.",
            code="unknown_placeholder",
            field=f"subject_{language}",
        )
    return subject


def save_templates(
    actor: Actor,
    entity_code: str,
    step: str,
    channel: str,
    *,
    body_ar: str,
    body_en: str,
    enabled: bool,
    subject_ar: str = "",
    subject_en: str = "",
) -> bool:
    """Save the entity's own text of `step` on `channel` in Arabic and English (and, for an
    e-mail, its subjects after the reference: `check_subject`; empty, the default), and
    whether the message goes at all (a mandatory one — the reference on registration — always
    goes).

    Who: the entity's administrator (another entity, or a step without a text: NotFound). The
    texts are checked first (`check_template`, both; every error is raised together in
    InvalidTemplates): nothing is saved unless both are. One database transaction, the entity
    row locked; records `notifications.template.changed` with the old and new texts (old None:
    the default was in use). Returns False when nothing changed (nothing recorded)."""
    entity = administered_entity(actor, entity_code)
    if step not in defaults.TEXTS.get(channel, {}):
        raise NotFound()
    errors = []
    subjects: dict[str, str] = {}
    for language, body, subject in (
        (Language.AR, body_ar, subject_ar),
        (Language.EN, body_en, subject_en),
    ):
        try:
            subjects[language] = check_subject(channel, language, subject)
        except InvalidInput as error:
            errors.append(error)
        try:
            check_template(entity, step, channel, language, body)
        except InvalidInput as error:
            errors.append(error)
    if not enabled and step in MANDATORY:
        errors.append(
            InvalidInput(
                "هذه رسالة إلزامية لا تُوقف: بها يعرف صاحب المعاملة رقمها.",
                "This message is mandatory and cannot be switched off: it gives the visitor "
                "the reference.",
                code="mandatory",
                field="enabled",
            )
        )
    if errors:
        raise InvalidTemplates(errors)
    new: dict[str, Any] = {"ar": body_ar, "en": body_en, "enabled": enabled}
    if channel == Channel.EMAIL:
        default = defaults.SUBJECT[step]
        for index, language in enumerate(Language.values):
            # The default subject is kept as "" (it follows the default if that changes).
            chosen = subjects.get(language, "")
            new[f"subject_{language}"] = "" if chosen == default[index] else chosen
    with db.atomic():
        Entity.objects.select_for_update().filter(pk=entity.pk).exists()
        rows = {
            t.language: t
            for t in Template.objects.filter(entity=entity, step=step, channel=channel)
        }
        old = _kept(rows, channel)
        if old == new:
            return False
        for language, body in (("ar", body_ar), ("en", body_en)):
            row = rows.get(language) or Template(
                entity=entity, step=step, channel=channel, language=language
            )
            row.body, row.enabled = body, enabled
            row.subject = new.get(f"subject_{language}", "")
            row.save()
        _record(actor, entity, "notifications.template.changed", step, channel, old, new)
    return True


def reset_templates(actor: Actor, entity_code: str, step: str, channel: str) -> bool:
    """Go back to the default texts of `step` on `channel` (and send the message again): the
    entity's own rows go. Who: the entity's administrator. Records
    `notifications.template.reset` with the texts removed; False when there were none."""
    entity = administered_entity(actor, entity_code)
    if step not in defaults.TEXTS.get(channel, {}):
        raise NotFound()
    with db.atomic():
        Entity.objects.select_for_update().filter(pk=entity.pk).exists()
        own = Template.objects.filter(entity=entity, step=step, channel=channel)
        old = _kept({t.language: t for t in own}, channel)
        if old is None:
            return False
        own.delete()
        _record(actor, entity, "notifications.template.reset", step, channel, old, None)
    return True


def _kept(rows: dict[str, Template], channel: str) -> dict[str, Any] | None:
    if not rows:
        return None
    kept: dict[str, Any] = {
        "ar": rows["ar"].body if "ar" in rows else None,
        "en": rows["en"].body if "en" in rows else None,
        "enabled": all(t.enabled for t in rows.values()),
    }
    if channel == Channel.EMAIL:
        for language in Language.values:
            kept[f"subject_{language}"] = rows[language].subject if language in rows else ""
    return kept


def _record(
    actor: Actor,
    entity: Entity,
    action: str,
    step: str,
    channel: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> None:
    audit.record(
        action,
        chain=entity.code,
        object_type="notification_template",
        object_id=f"{step}:{channel}",
        actor_id=actor.user_id,
        actor=actor.username,
        data={"step": step, "channel": channel, "old": old, "new": new},
    )
