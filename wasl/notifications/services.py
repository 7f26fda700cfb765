"""The visitor's choices, changed by the staff who hold the transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction as db

from wasl.audit import services as audit
from wasl.core import identity
from wasl.core.errors import Forbidden, InvalidInput
from wasl.directory.actors import Actor
from wasl.directory.models import entity_code_of
from wasl.registry import access, rights

from .models import Contact
from .outbox import VISITORS, contact_of
from .states import Language


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
    """An e-mail address as kept: trimmed, its domain in lower case; empty for none."""
    value = value.strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidInput(
            "البريد الإلكتروني غير صحيح.",
            "Invalid e-mail address.",
            code="invalid_email",
            field="email",
        ) from None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"
