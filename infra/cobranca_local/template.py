"""Read template.yaml the way SAM and CloudFormation do, for the local runtime.

Only what the local runtime needs is modelled: the resources it creates in the emulator, the
functions with their merged Globals and events, and the intrinsic functions that wire them
(Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, Fn::Select, Fn::Split, Fn::Equals...). Everything
is resolved against a table of physical names the runtime fills in as it creates resources.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

_SHORT_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
}
_FN_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Length",
)


class TemplateError(ValueError):
    """The template uses something the local runtime cannot resolve; names the place."""


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands CloudFormation's short-form tags."""


def _construct(tag: str) -> Callable[[yaml.Loader, yaml.Node], dict[str, Any]]:
    def build(loader: yaml.Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        if tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        key = _SHORT_TAGS.get(f"!{tag}", f"Fn::{tag}")
        return {key: value}

    return build


for _name in (*_FN_TAGS, "GetAtt", "Ref", "Condition"):
    _CfnLoader.add_constructor(f"!{_name}", _construct(_name))


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML file with its short-form tags."""
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return document


@dataclass
class Event:
    """One event source of a function as SAM declares it."""

    name: str
    type: str
    properties: dict[str, Any]


@dataclass
class Function:
    """A function with Globals merged in and its code location resolved."""

    logical_id: str
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, Any]
    events: list[Event]
    timeout: int
    properties: dict[str, Any]

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}"


@dataclass
class Template:
    """A parsed template plus the physical names resolved so far."""

    path: Path
    document: dict[str, Any]
    stack_name: str
    parameters: dict[str, str] = field(default_factory=dict)
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[tuple[str, str], Any] = field(default_factory=dict)

    @classmethod
    def load(
        cls, path: Path, stack_name: str = "cobranca-local", overrides: dict[str, str] | None = None
    ) -> Template:
        """Load ``path``; parameter defaults are taken unless ``overrides`` sets them."""
        document = load_yaml(path)
        parameters = {
            name: str(spec.get("Default", ""))
            for name, spec in (document.get("Parameters") or {}).items()
        }
        parameters.update(overrides or {})
        return cls(path=path, document=document, stack_name=stack_name, parameters=parameters)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.document["Resources"]
        return resources

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        """Resources of the given CloudFormation/SAM types, in template order."""
        return {
            logical: resource
            for logical, resource in self.resources.items()
            if resource.get("Type") in types and self._condition_holds(resource)
        }

    def physical_name(self, logical_id: str, name_property: str | None) -> str:
        """The name a resource gets: its explicit name property, else stack-logical id."""
        properties = self.resources[logical_id].get("Properties") or {}
        if name_property and name_property in properties:
            return str(self.resolve(properties[name_property]))
        return f"{self.stack_name}-{logical_id}"

    # ---------------------------------------------------------------- intrinsic functions

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic function inside ``value``."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key.startswith("Fn::") or key == "Condition":
                return self._function(key, argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/"
            f"{self.stack_name}/local",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise TemplateError(f"Ref to {name!r} cannot be resolved locally")

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        if (logical_id, attribute) in self.attributes:
            return self.attributes[(logical_id, attribute)]
        raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} cannot be resolved locally")

    def _function(self, key: str, argument: Any) -> Any:
        name = key.removeprefix("Fn::")
        handlers: dict[str, Callable[[Any], Any]] = {
            "GetAtt": lambda arg: self._get_att(*self._get_att_parts(arg)),
            "Sub": self._sub,
            "Join": lambda arg: str(arg[0]).join(
                str(part) for part in self.resolve(arg[1]) if part is not None
            ),
            "Select": lambda arg: self.resolve(arg[1])[int(self.resolve(arg[0]))],
            "Split": lambda arg: str(self.resolve(arg[1])).split(str(arg[0])),
            "If": lambda arg: self.resolve(arg[1] if self.condition(arg[0]) else arg[2]),
            "Equals": lambda arg: self.resolve(arg[0]) == self.resolve(arg[1]),
            "Not": lambda arg: not self.resolve(arg[0]),
            "And": lambda arg: all(self.resolve(item) for item in arg),
            "Or": lambda arg: any(self.resolve(item) for item in arg),
            "Condition": self.condition,
            "ToJsonString": lambda arg: __import__("json").dumps(self.resolve(arg)),
            "Base64": lambda arg: (
                __import__("base64").b64encode(str(self.resolve(arg)).encode()).decode()
            ),
        }
        if name not in handlers:
            raise TemplateError(f"{key} is not supported by the local runtime")
        return handlers[name](argument)

    def _get_att_parts(self, argument: Any) -> tuple[str, str]:
        parts = self.resolve(argument)
        if isinstance(parts, str):
            parts = parts.split(".", 1)
        return str(parts[0]), str(parts[1])

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], self.resolve(argument[1])
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(variables[expression])
            if "." in expression:
                logical_id, attribute = expression.split(".", 1)
                return str(self._get_att(logical_id, attribute))
            return str(self._ref(expression))

        return re.sub(r"\$\{([^}]+)\}", replace, str(text))

    def condition(self, name: Any) -> bool:
        """Evaluate a named condition from the Conditions section."""
        conditions = self.document.get("Conditions") or {}
        if not isinstance(name, str) or name not in conditions:
            raise TemplateError(f"unknown condition {name!r}")
        return bool(self.resolve(conditions[name]))

    def _condition_holds(self, resource: dict[str, Any]) -> bool:
        name = resource.get("Condition")
        return True if name is None else self.condition(name)

    # ---------------------------------------------------------------- SAM functions

    def functions(self) -> list[Function]:
        """Every AWS::Serverless::Function with Globals merged (not yet env-resolved)."""
        globals_ = copy.deepcopy((self.document.get("Globals") or {}).get("Function") or {})
        result = []
        for logical_id, resource in self.of_type("AWS::Serverless::Function").items():
            properties = _merge(globals_, resource.get("Properties") or {})
            code_uri = properties.get("CodeUri")
            if not isinstance(code_uri, str):
                raise TemplateError(f"{logical_id}: CodeUri must be a local folder")
            events = [
                Event(name=name, type=spec["Type"], properties=spec.get("Properties") or {})
                for name, spec in (properties.get("Events") or {}).items()
            ]
            environment = (properties.get("Environment") or {}).get("Variables") or {}
            result.append(
                Function(
                    logical_id=logical_id,
                    name=self.physical_name(logical_id, "FunctionName"),
                    code_dir=(self.root / code_uri).resolve(),
                    handler=str(properties.get("Handler", "app.lambda_handler")),
                    environment=environment,
                    events=events,
                    timeout=int(properties.get("Timeout", 3)),
                    properties=properties,
                )
            )
        return result


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals rule: maps merge key by key, anything else in the function wins."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
