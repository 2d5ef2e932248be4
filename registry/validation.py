"""Turn Django's ValidationError into the domain's InvalidInput, field by field."""

from django.core.exceptions import ValidationError

from .errors import InvalidInput


def clean_or_refuse(instance, *, exclude=None):
    """Run full_clean(); on failure raise InvalidInput naming every broken field."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        fields = error.message_dict
        sentence = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in fields.items()
        )
        raise InvalidInput(sentence, code="invalid", fields=fields) from error
