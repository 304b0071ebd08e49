"""A KoboToolbox form mapping and a submission as Kobo's REST Service posts it (flat JSON, group
paths as keys, Kobo's own `_` metadata), for a complaints form used in Mopti."""

from typing import Any

XFORM_ID = "aKqx7dJfVbZ3Lr6nPmWc2T"
INTAKE = "/api/v1/complaints/intake/kobo"
FORMS = "/api/v1/complaints/intake/kobo/forms"

MAPPING: dict[str, Any] = {
    "name": "Plaintes et retours communautaires - Mopti",
    "organisation": "HCR",
    "fields": {
        "channel": "grp_reception/canal",
        "received_on": "grp_reception/date_reception",
        "location": "grp_reception/cercle",
        "language": "grp_reception/langue",
        "category": "grp_plainte/categorie",
        "description": "grp_plainte/description",
        "organisation_concerned": "grp_plainte/agence",
        "complainant.anonymous": "grp_plaignant/anonyme",
        "complainant.name": "grp_plaignant/nom",
        "complainant.phone": "grp_plaignant/telephone",
        "complainant.sex": "grp_plaignant/sexe",
        "complainant.age_group": "grp_plaignant/age",
        "complainant.consent_to_contact": "grp_plaignant/accord_contact",
        "complainant.consent_to_share_identity": "grp_plaignant/accord_partage",
        "follow_up_code": "code_suivi",
    },
    "values": {
        "channel": {"ligne_verte": "hotline", "guichet": "help_desk", "boite": "suggestion_box"},
        "category": {
            "eas": "sea_allegation",
            "exclusion": "exclusion",
            "aide": "assistance_complaint",
        },
        "language": {"fulfulde": "ff", "bambara": "bm", "francais": "fr"},
        "complainant.sex": {"femme": "f", "homme": "m"},
        "complainant.age_group": {"moins_18": "0-17", "18_59": "18-59", "plus_60": "60+"},
    },
    "defaults": {"language": "fr"},
}


def submission(uuid: str = "e58da38d-3eee-4bd7-8512-4a97ea8fbb01", **answers: Any) -> dict:
    """One submission; `answers` replace questions (a None answer removes the question, as Kobo
    leaves unanswered questions out)."""
    body: dict[str, Any] = {
        "_id": 124961136,
        "formhub/uuid": "f7bef041e8624f09946bff05ee5cbd4b",
        "start": "2021-06-10T09:12:44.120+00:00",
        "end": "2021-06-10T09:31:02.551+00:00",
        "today": "2021-06-10",
        "username": "hcr_mopti_enum03",
        "deviceid": "collect:pEo4VhQlQDnvDCNj",
        "grp_reception/canal": "guichet",
        "grp_reception/date_reception": "2021-06-10",
        "grp_reception/cercle": "ML0506",
        "grp_reception/langue": "fulfulde",
        "grp_plainte/categorie": "exclusion",
        "grp_plainte/description": "Ma famille n'a pas reçu les vivres de juin à Sévaré.",
        "grp_plainte/agence": "HCR",
        "grp_plaignant/anonyme": "non",
        "grp_plaignant/nom": "Fatoumata Cissé",
        "grp_plaignant/telephone": "+223 76 12 34 56",
        "grp_plaignant/sexe": "femme",
        "grp_plaignant/age": "18_59",
        "grp_plaignant/accord_contact": "oui",
        "grp_plaignant/accord_partage": "non",
        "code_suivi": "3f2b9c1e8d474a6b",
        "__version__": "vLnrnT6Pvzgeh4DVfj6eDz",
        "meta/instanceID": f"uuid:{uuid}",
        "_xform_id_string": XFORM_ID,
        "_uuid": uuid,
        "_attachments": [],
        "_status": "submitted_via_web",
        "_geolocation": [14.4843, -4.1827],
        "_submission_time": "2021-06-10T09:31:40",
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": "hcr_mopti_enum03",
    }
    for question, answer in answers.items():
        key = question.replace("__", "/")
        if answer is None:
            body.pop(key, None)
        else:
            body[key] = answer
    return body
