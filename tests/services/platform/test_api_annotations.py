"""The published API carries its AIP annotations, in the generated code clients and services import (issue 9).

What the API documents in its comments (`Name: <pattern>` on a resource, `Output only` on a field,
"Every field is output only" on a message) is read from the .proto sources through protoc's source
info; the annotations are checked on the generated descriptors: google.api.resource (AIP-123),
google.api.field_behavior (AIP-203) and google.api.resource_reference (AIP-122).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

import pytest
from google.api import field_behavior_pb2, resource_pb2
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor, FileDescriptor
from grpc_tools import protoc

from scripts import protos

PACKAGES = ("projects", "risks", "billing", "governance", "audit")
NAME_LINE = re.compile(r"^\s*Name: (\S+)\s*$", re.MULTILINE)
# Source-info paths: FileDescriptorProto.message_type[i], DescriptorProto.field[j].
MESSAGE_PATH = descriptor_pb2.FileDescriptorProto.MESSAGE_TYPE_FIELD_NUMBER
FIELD_PATH = descriptor_pb2.DescriptorProto.FIELD_FIELD_NUMBER
IDENTIFIER, REQUIRED, OPTIONAL, OUTPUT_ONLY = (field_behavior_pb2.IDENTIFIER, field_behavior_pb2.REQUIRED,
                                               field_behavior_pb2.OPTIONAL, field_behavior_pb2.OUTPUT_ONLY)


@dataclass(frozen=True)
class Documented:
    """A message of the API (generated descriptor) with the comments its source gives it and its fields."""

    message: Descriptor
    package: str  # projects, risks, ...
    comment: str
    field_comments: dict[str, str]


def _modules(package: str):
    return [importlib.import_module(f"pmaas.{package}.v1.{m}") for m in ("resources_pb2", f"{package}_service_pb2")]


@pytest.fixture(scope="module")
def documented(tmp_path_factory) -> list[Documented]:
    out = tmp_path_factory.mktemp("api") / "api.binpb"
    files = [str(p.relative_to(protos.PROTOS)) for p in protos.proto_files()]
    assert protoc.main(["protoc", *protos.includes(), "--include_source_info", f"--descriptor_set_out={out}",
                        *files]) == 0
    for package in PACKAGES:
        _modules(package)  # registers the generated files in the default pool
    pool = descriptor_pool.Default()
    found = []
    for f in descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file:
        comments = {tuple(loc.path): loc.leading_comments for loc in f.source_code_info.location}
        for i, m in enumerate(f.message_type):
            found.append(Documented(
                pool.FindMessageTypeByName(f"{f.package}.{m.name}"), f.package.split(".")[1],
                comments.get((MESSAGE_PATH, i), ""),
                {fd.name: comments.get((MESSAGE_PATH, i, FIELD_PATH, j), "") for j, fd in enumerate(m.field)}))
    assert {d.package for d in found} == set(PACKAGES)
    return found


def resource_of(message: Descriptor) -> resource_pb2.ResourceDescriptor | None:
    options = message.GetOptions()
    return options.Extensions[resource_pb2.resource] if options.HasExtension(resource_pb2.resource) else None


def behaviors(field: FieldDescriptor) -> set[int]:
    return set(field.GetOptions().Extensions[field_behavior_pb2.field_behavior])


def reference_of(field: FieldDescriptor) -> resource_pb2.ResourceReference | None:
    options = field.GetOptions()
    has = options.HasExtension(resource_pb2.resource_reference)
    return options.Extensions[resource_pb2.resource_reference] if has else None


def declared_types(documented: list[Documented]) -> set[str]:
    """Resource types the API declares: on its resource messages and as file-level definitions."""
    files: set[FileDescriptor] = {d.message.file for d in documented}
    defined = {r.type for f in files for r in f.GetOptions().Extensions[resource_pb2.resource_definition]}
    return defined | {r.type for d in documented if (r := resource_of(d.message)) is not None}


def named(field: FieldDescriptor) -> str:
    return f"{field.containing_type.full_name}.{field.name}"


def test_every_message_documented_as_a_resource_declares_its_type_and_pattern(documented):
    problems = []
    for d in documented:
        documented_name = NAME_LINE.search(d.comment)
        declared = resource_of(d.message)
        if documented_name is None:
            if declared is not None:
                problems.append(f"{d.message.full_name} is declared a resource but documents no `Name:`")
            continue
        want = (f"{d.package}.pmaas.dev/{d.message.name}", [documented_name.group(1)])
        if declared is None or (declared.type, list(declared.pattern)) != want:
            problems.append(f"{d.message.full_name}: want google.api.resource {want}, got {declared}")
    assert not problems
    assert {d.package for d in documented if resource_of(d.message)} == set(PACKAGES)


def test_the_name_of_every_resource_is_its_identifier(documented):
    resources = [d.message for d in documented if resource_of(d.message) is not None]
    assert [m.full_name for m in resources if "name" not in m.fields_by_name
            or behaviors(m.fields_by_name["name"]) != {IDENTIFIER}] == []


def test_every_field_documented_output_only_is_output_only(documented):
    checked, problems = 0, []
    for d in documented:
        all_output = "every field is output only" in " ".join(d.comment.split()).lower()
        for field in d.message.fields:
            if d.field_comments[field.name].strip().startswith("Output only") or (all_output and field.name != "name"):
                checked += 1
                if OUTPUT_ONLY not in behaviors(field):
                    problems.append(named(field))
    assert not problems
    assert checked > 50  # the comments were read


def test_a_field_has_one_of_required_optional_output_only_or_identifier(documented):
    exclusive = {IDENTIFIER, REQUIRED, OPTIONAL, OUTPUT_ONLY}
    assert [named(f) for d in documented for f in d.message.fields if len(behaviors(f) & exclusive) > 1] == []


def test_request_names_and_parents_are_required_references_to_declared_types(documented):
    known = declared_types(documented)
    problems, services = [], set()
    for package in PACKAGES:
        for service in _modules(package)[1].DESCRIPTOR.services_by_name.values():
            services.add(service.name)
            for method in service.methods:
                for field in method.input_type.fields:
                    if field.name not in ("name", "parent"):
                        continue
                    ref = reference_of(field)
                    if REQUIRED not in behaviors(field) or ref is None or (ref.type or ref.child_type) not in known:
                        problems.append(f"{method.full_name}: {named(field)}")
    assert not problems
    assert services == {"ProjectsService", "RisksService", "BillingService", "GovernanceService", "AuditService"}


def test_every_resource_reference_names_a_declared_type(documented):
    known = declared_types(documented)
    refs = [(named(f), ref) for d in documented for f in d.message.fields if (ref := reference_of(f)) is not None]
    assert [n for n, ref in refs if ref.type not in known | {"*"} and ref.child_type not in known] == []
