"""The reasons pydantic gives for refusing a value (its English templates, one per error type),
marked for the catalog: a 422's `reason` in French is the template's translation filled from the
error's context. `tests/test_i18n.py` checks this table against the installed pydantic-core: an
upgrade that adds a type fails there until the type is added here and translated."""

from ehp_api.core.i18n import N_

TEMPLATES: dict[str, str] = {
    "no_such_attribute": N_("Object has no attribute '{attribute}'"),
    "json_invalid": N_("Invalid JSON: {error}"),
    "json_type": N_("JSON input should be string, bytes or bytearray"),
    "needs_python_object": N_(
        "Cannot check `{method_name}` when validating from json, use a JsonOrPython validator instead"
    ),
    "recursion_loop": N_("Recursion error - cyclic reference detected"),
    "recursion_depth_exceeded": N_("Recursion error - maximum validation depth exceeded"),
    "missing": N_("Field required"),
    "frozen_field": N_("Field is frozen"),
    "frozen_instance": N_("Instance is frozen"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "invalid_key": N_("Keys should be strings"),
    "get_attribute_error": N_("Error extracting attribute: {error}"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "dataclass_type": N_("Input should be a dictionary or an instance of {class_name}"),
    "dataclass_exact_type": N_("Input should be an instance of {class_name}"),
    "named_tuple_type": N_(
        "Input should be a tuple, list, dictionary or an instance of {class_name}"
    ),
    "default_factory_not_called": N_(
        "The default factory uses validated data, but at least one validation error occurred"
    ),
    "none_required": N_("Input should be None"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "finite_number": N_("Input should be a finite number"),
    "too_short": N_(
        "{field_type} should have at least {min_length} item{expected_plural} after validation, not {actual_length}"
    ),
    "too_long": N_(
        "{field_type} should have at most {max_length} item{expected_plural} after validation, not {actual_length}"
    ),
    "iterable_type": N_("Input should be iterable"),
    "iteration_error": N_("Error iterating over object, error: {error}"),
    "string_type": N_("Input should be a valid string"),
    "string_unicode": N_(
        "Input should be a valid string, unable to parse raw data as a unicode string"
    ),
    "string_too_short": N_("String should have at least {min_length} character{expected_plural}"),
    "string_too_long": N_("String should have at most {max_length} character{expected_plural}"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "string_not_ascii": N_("String should contain only ASCII characters"),
    "enum": N_("Input should be {expected}"),
    "dict_type": N_("Input should be a valid dictionary"),
    "frozen_dict_type": N_("Input should be a valid frozendict"),
    "ordered_dict_type": N_("Input should be a valid OrderedDict"),
    "counter_type": N_("Input should be a valid Counter"),
    "mapping_type": N_("Input should be a valid mapping, error: {error}"),
    "list_type": N_("Input should be a valid list"),
    "deque_type": N_("Input should be a valid deque"),
    "tuple_type": N_("Input should be a valid tuple"),
    "set_type": N_("Input should be a valid set"),
    "set_item_not_hashable": N_("Set items should be hashable"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_parsing_size": N_("Unable to parse input string as an integer, exceeded maximum size"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bytes_type": N_("Input should be a valid bytes"),
    "bytes_too_short": N_("Data should have at least {min_length} byte{expected_plural}"),
    "bytes_too_long": N_("Data should have at most {max_length} byte{expected_plural}"),
    "bytes_invalid_encoding": N_("Data should be valid {encoding}: {encoding_error}"),
    "value_error": N_("Value error, {error}"),
    "assertion_error": N_("Assertion failed, {error}"),
    "literal_error": N_("Input should be {expected}"),
    "missing_sentinel_error": N_("Input should be the 'MISSING' sentinel"),
    "ellipsis_error": N_("Input should be the 'Ellipsis' literal"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD, {error}"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, {error}"),
    "date_from_datetime_inexact": N_(
        "Datetimes provided to dates should have zero time - e.g. be exact dates"
    ),
    "date_past": N_("Date should be in the past"),
    "date_future": N_("Date should be in the future"),
    "time_type": N_("Input should be a valid time"),
    "time_parsing": N_("Input should be in a valid time format, {error}"),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime, {error}"),
    "datetime_object_invalid": N_("Invalid datetime object, got {error}"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date, {error}"),
    "datetime_past": N_("Input should be in the past"),
    "datetime_future": N_("Input should be in the future"),
    "timezone_naive": N_("Input should not have timezone info"),
    "timezone_aware": N_("Input should have timezone info"),
    "timezone_offset": N_("Timezone offset of {tz_expected} required, got {tz_actual}"),
    "time_delta_type": N_("Input should be a valid timedelta"),
    "time_delta_parsing": N_("Input should be a valid timedelta, {error}"),
    "frozen_set_type": N_("Input should be a valid frozenset"),
    "is_instance_of": N_("Input should be an instance of {class}"),
    "is_subclass_of": N_("Input should be a subclass of {class}"),
    "callable_type": N_("Input should be callable"),
    "union_tag_invalid": N_(
        "Input tag '{tag}' found using {discriminator} does not match any of the expected tags: {expected_tags}"
    ),
    "union_tag_not_found": N_("Unable to extract tag using discriminator {discriminator}"),
    "arguments_type": N_("Arguments must be a tuple, list or a dictionary"),
    "missing_argument": N_("Missing required argument"),
    "unexpected_keyword_argument": N_("Unexpected keyword argument"),
    "missing_keyword_only_argument": N_("Missing required keyword only argument"),
    "unexpected_positional_argument": N_("Unexpected positional argument"),
    "missing_positional_only_argument": N_("Missing required positional only argument"),
    "multiple_argument_values": N_("Got multiple values for argument"),
    "url_type": N_("URL input should be a string or URL"),
    "url_parsing": N_("Input should be a valid URL, {error}"),
    "url_syntax_violation": N_("Input violated strict URL syntax rules, {error}"),
    "url_too_long": N_("URL should have at most {max_length} character{expected_plural}"),
    "url_scheme": N_("URL scheme should be {expected_schemes}"),
    "uuid_type": N_("UUID input should be a string, bytes or UUID object"),
    "uuid_parsing": N_("Input should be a valid UUID, {error}"),
    "uuid_version": N_("UUID version {expected_version} expected"),
    "decimal_type": N_("Decimal input should be an integer, float, string or Decimal object"),
    "decimal_parsing": N_("Input should be a valid decimal"),
    "decimal_max_digits": N_(
        "Decimal input should have no more than {max_digits} digit{expected_plural} in total"
    ),
    "decimal_max_places": N_(
        "Decimal input should have no more than {decimal_places} decimal place{expected_plural}"
    ),
    "decimal_whole_digits": N_(
        "Decimal input should have no more than {whole_digits} digit{expected_plural} before the decimal point"
    ),
    "fraction_type": N_("Fraction input should be an integer, float, string or Fraction object"),
    "fraction_parsing": N_("Input is not a valid fraction"),
    "complex_type": N_(
        "Input should be a valid python complex object, a number, or a valid complex string following the rules at https://docs.python.org/3/library/functions.html#complex"
    ),
    "complex_str_parsing": N_(
        "Input should be a valid complex string following the rules at https://docs.python.org/3/library/functions.html#complex"
    ),
}
