"""The comment box of a thread, and the file picker of evidence."""

from django import forms

from projects.evidence import ALLOWED_NAMES
from projects.models.discussion import COMMENT_MAX_LENGTH


class ThreadCommentForm(forms.Form):
    body = forms.CharField(
        label="Add a comment",
        max_length=COMMENT_MAX_LENGTH,
        strip=False,  # the service trims, and keeps the line breaks
        widget=forms.Textarea(attrs={"rows": 3, "data-mentions": ""}),
        help_text="Plain text; links become clickable. Type @ and a name to mention someone.",
        error_messages={"required": "Write something first."},
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File",
        allow_empty_file=True,  # an empty file is refused with its own reason by the service
        help_text=f"{ALLOWED_NAMES}; checked by its content.",
        error_messages={"required": "Choose a file to attach."},
    )
