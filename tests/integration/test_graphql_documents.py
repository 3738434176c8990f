"""Every GraphQL document the app sends is valid against Shopify's real 2026-10 schema (the
copy the emulator serves)."""

import importlib
import pkgutil
import re

import pytest
from graphql import parse, validate

from shopify_emulator.schema import load_schema

APP_PACKAGES = ("integration", "sync")


def documents():
    found = []
    for package_name in APP_PACKAGES:
        package = importlib.import_module(package_name)
        for module_info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".migrations" in module_info.name or ".management" in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            for name, value in vars(module).items():
                if isinstance(value, str) and re.match(r"\s*(query|mutation)\b", value):
                    found.append(pytest.param(value, id=f"{module_info.name}.{name}"))
    return found


@pytest.mark.parametrize("document", documents())
def test_the_document_is_valid_against_the_schema(document):
    assert validate(load_schema(), parse(document)) == []


def test_documents_are_found():
    assert len(documents()) >= 6
