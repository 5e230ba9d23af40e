"""JSON Lines with datetimes to the microsecond.

Django's JSON encoder cuts datetimes to milliseconds. A backup must give back exactly what was
stored: the audit log's hashes cover each entry's time, and a restored chain must verify.
"""

import datetime

from django.core.serializers import jsonl
from django.core.serializers.json import DjangoJSONEncoder


class ExactEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(jsonl.Serializer):
    def start_serialization(self) -> None:
        # JSON Lines sets its options here, the encoder among them; ours replaces Django's.
        super().start_serialization()
        self.json_kwargs["cls"] = ExactEncoder


Deserializer = jsonl.Deserializer
