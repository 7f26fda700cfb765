"""The default texts a visitor gets, Arabic and English, per step — declared here and nowhere
else: the SMS texts, the e-mail texts and the e-mail subjects. An entity's own text
(`models.Template`, written by its administrator) wins over these; while it has none, these go.
Each table's steps are the steps that have a text on that channel (`TEXTS`)."""

from __future__ import annotations

SMS = {
    "registered": (
        "وصل: سجلت معاملتكم لدى {entity} برقم {reference}. احتفظوا بالرقم للاستعلام عنها.",
        "Wasl: your matter was registered with {entity} under {reference}. Keep this number to follow it up.",
    ),
    "referred": (
        "وصل: أحيلت معاملتكم {reference} إلى الإدارة المختصة لدراستها.",
        "Wasl: your matter {reference} has been referred to the competent department.",
    ),
    "answered": (
        "وصل: صدرت الإفادة على معاملتكم {reference}. استعلموا بالرقم أو راجعوا {entity}.",
        "Wasl: the answer on your matter {reference} is ready. Inquire with the number or contact {entity}.",
    ),
    "closed": (
        "وصل: أغلقت معاملتكم {reference} لدى {entity}.",
        "Wasl: your matter {reference} with {entity} has been closed.",
    ),
    "letter_received": (
        "وصل: تسلّمت {receiver} خطاب {entity} بشأن معاملتكم {reference}.",
        "Wasl: {receiver} has received the letter of {entity} about your matter {reference}.",
    ),
    "document_needed": (
        "وصل: تحتاج {entity} لمعاملتكم {reference}: {document}. ردوا على رسالة البريد أو راجعوا الجهة.",
        "Wasl: {entity} needs for your matter {reference}: {document}. Answer by e-mail or contact them.",
    ),
    "report_closed": (
        "وصل: عولج البلاغ {reference} لدى {entity} وأغلق. شكراً لإبلاغكم.",
        "Wasl: report {reference} with {entity} was dealt with and closed. Thank you for reporting it.",
    ),
    "report_merged": (
        "وصل: بلاغكم {reference} عن مشكلة سبق الإبلاغ عنها، فضُمّ إلى البلاغ الأول وسنخبركم بنتيجته.",
        "Wasl: your report {reference} is about a problem reported before; it was joined to that report and you will be told its outcome.",
    ),
}

EMAIL = {
    "registered": (
        "سُجّلت معاملتكم لدى {entity} برقم {reference}.\nاحتفظوا بالرقم للاستعلام عنها، ويمكنكم الرد على هذه الرسالة بما يخص المعاملة.",
        "Your matter was registered with {entity} under {reference}.\nKeep this number to follow it up; you may answer this e-mail about it.",
    ),
    "referred": (
        "أحيلت معاملتكم {reference} إلى الإدارة المختصة لدى {entity} لدراستها.\nيمكنكم الرد على هذه الرسالة بما يخص المعاملة.",
        "Your matter {reference} has been referred to the competent department of {entity}.\nYou may answer this e-mail about it.",
    ),
    "answered": (
        "صدرت الإفادة على معاملتكم {reference} لدى {entity}.\nاستعلموا بالرقم أو ردوا على هذه الرسالة.",
        "The answer on your matter {reference} with {entity} is ready.\nInquire with the number or answer this e-mail.",
    ),
    "closed": (
        "أغلقت معاملتكم {reference} لدى {entity}.",
        "Your matter {reference} with {entity} has been closed.",
    ),
    "letter_received": (
        "كتبت {entity} بشأن معاملتكم {reference} إلى {receiver}، وقد تسلّمت {receiver} الخطاب.\nيمكنكم الرد على هذه الرسالة بما يخص المعاملة.",
        "{entity} wrote about your matter {reference} to {receiver}, and {receiver} has received the letter.\nYou may answer this e-mail about it.",
    ),
    "document_needed": (
        "تحتاج {entity} لاستكمال معاملتكم {reference} إلى ما يلي:\n{document}\nأرفقوه في رد على هذه الرسالة، أو سلموه إلى الجهة.",
        "{entity} needs the following to go on with your matter {reference}:\n{document}\nAttach it to an answer to this e-mail, or hand it in to them.",
    ),
    "report_closed": (
        "عولج البلاغ {reference} لدى {entity} وأغلق.\nيمكنكم الاطلاع على ما تم في صفحة البلاغ بالرقم نفسه. شكراً لإبلاغكم.",
        "Report {reference} with {entity} was dealt with and closed.\nSee what was done on the report's page under the same number. Thank you for reporting it.",
    ),
    "report_merged": (
        "بلاغكم {reference} لدى {entity} عن مشكلة سبق الإبلاغ عنها، فضُمّ إلى البلاغ الأول.\nسنخبركم بنتيجته حين يعالج.",
        "Your report {reference} with {entity} is about a problem reported before; it was joined to that report.\nYou will be told its outcome when it is dealt with.",
    ),
    "received": (
        "وصلت رسالتكم وأضيفت إلى معاملتكم {reference} لدى {entity}، وستطلع عليها الإدارة التي لديها المعاملة.\nهذه رسالة آلية.",
        "Your e-mail was received and added to your matter {reference} with {entity}; the department that holds it will read it.\nThis is an automatic answer.",
    ),
}
# The subject of each step's e-mail, after the reference (the reference leads every subject:
# an answer that keeps the subject finds its matter even without the thread's headers).
SUBJECT = {
    "registered": ("تسجيل معاملتكم", "Your matter is registered"),
    "referred": ("إحالة معاملتكم", "Your matter is referred"),
    "answered": ("صدرت الإفادة", "The answer is ready"),
    "closed": ("إغلاق معاملتكم", "Your matter is closed"),
    "document_needed": ("مطلوب مستند لمعاملتكم", "A document is needed for your matter"),
    "letter_received": (
        "تسلّم جهة أخرى خطابًا بشأن معاملتكم",
        "Another entity received a letter about your matter",
    ),
    "report_closed": ("إغلاق البلاغ", "The report is closed"),
    "report_merged": ("ضم بلاغكم", "Your report was joined"),
    "received": ("وصلت رسالتكم", "Your e-mail was received"),
    "reply": ("رد على رسالتكم", "An answer to your e-mail"),
}


# The default texts of each channel ("sms", "email"): which steps an administrator may edit.
TEXTS = {"sms": SMS, "email": EMAIL}
