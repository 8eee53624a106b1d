"""The embedded AWS emulator: moto's threaded server on 127.0.0.1, provisioned from the template.

Every table, queue, bucket, secret, topic and state machine in template.yaml is created here with
the template's own properties, so the hub runs locally against the same wiring it has on AWS.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from cobranca_local import moto_patches
from cobranca_local.template import ACCOUNT_ID, REGION, Template, TemplateError

# Fake credentials: the emulator accepts anything, and setting them keeps boto3 from looking
# for real ones (or asking an instance metadata endpoint).
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


class Emulator:
    """moto's server bound to 127.0.0.1, with Step Functions executing real ASL."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._server: Any = None

    def start(self) -> str:
        """Start the server and return its endpoint URL."""
        from moto.core.config import default_user_config
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        # Run the ASL interpreter for executions (moto only records them otherwise), and never
        # try Docker for Lambda: the runtime routes invocations to the real handlers itself.
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        default_user_config["lambda"] = {"use_docker": False}
        moto_patches.install()

        # The emulator's own request log would drown the hub's structured logs.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        _, self.port = self._server.get_host_and_port()
        # moto's Step Functions interpreter builds its own clients against MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        # moto keeps its state in process-wide backends: a hub started after another one in
        # the same process must not find the previous hub's tables and queues.
        import httpx

        httpx.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        return self.endpoint

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self, service: str) -> Any:
        """A boto3 client bound to this emulator (independent of the process environment)."""
        import boto3

        session: Any = boto3.session.Session()
        return session.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=LOCAL_CREDENTIALS["AWS_SESSION_TOKEN"],
        )


class Provisioner:
    """Creates the template's stateful resources in the emulator and records their names."""

    def __init__(self, emulator: Emulator, template: Template) -> None:
        self.emulator = emulator
        self.template = template
        self.created: dict[str, list[str]] = {}

    def provision(self) -> None:
        """Create everything, in an order where each resource's references already resolve."""
        self._name_functions()
        self._tables()
        self._buckets()
        self._queues()
        self._secrets()
        self._topics()
        self._email_configuration_sets()
        self._passive_resources()

    def _record(self, kind: str, name: str) -> None:
        self.created.setdefault(kind, []).append(name)

    def _name_functions(self) -> None:
        # Functions are not created in the emulator (its Lambda would only echo); their names
        # and ARNs still resolve, so environment variables and ASL substitutions do.
        template = self.template
        for function in template.functions():
            template.refs[function.logical_id] = function.name
            template.attributes[(function.logical_id, "Arn")] = function.arn
        for logical_id in template.of_type("AWS::Serverless::LayerVersion"):
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{logical_id}:1"
            template.refs[logical_id] = arn

    def _tables(self) -> None:
        dynamodb = self.emulator.client("dynamodb")
        for logical_id, resource in self.template.of_type("AWS::DynamoDB::Table").items():
            properties = self.template.resolve(resource.get("Properties") or {})
            name = self.template.physical_name(logical_id, "TableName")
            request: dict[str, Any] = {
                "TableName": name,
                "AttributeDefinitions": properties["AttributeDefinitions"],
                "KeySchema": properties["KeySchema"],
                "BillingMode": properties.get("BillingMode", "PROVISIONED"),
            }
            if request["BillingMode"] == "PROVISIONED":
                request["ProvisionedThroughput"] = properties.get(
                    "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
                )
            indexes = properties.get("GlobalSecondaryIndexes")
            if indexes:
                request["GlobalSecondaryIndexes"] = [
                    {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
                    for index in indexes
                ]
            if properties.get("StreamSpecification"):
                stream = properties["StreamSpecification"]
                request["StreamSpecification"] = {
                    "StreamEnabled": True,
                    "StreamViewType": stream["StreamViewType"],
                }
            if properties.get("SSESpecification", {}).get("SSEEnabled"):
                request["SSESpecification"] = {"Enabled": True}
            description = dynamodb.create_table(**request)["TableDescription"]

            ttl = properties.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": ttl["AttributeName"],
                    },
                )
            pitr = properties.get("PointInTimeRecoverySpecification") or {}
            if pitr.get("PointInTimeRecoveryEnabled"):
                dynamodb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                )
            self.template.refs[logical_id] = name
            self.template.attributes[(logical_id, "Arn")] = description["TableArn"]
            self._record("tables", name)

    def _buckets(self) -> None:
        s3 = self.emulator.client("s3")
        for logical_id in self.template.of_type("AWS::S3::Bucket"):
            name = self.template.physical_name(logical_id, "BucketName").lower()
            s3.create_bucket(Bucket=name)
            self.template.refs[logical_id] = name
            self.template.attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"
            self.template.attributes[(logical_id, "DomainName")] = f"{name}.s3.amazonaws.com"
            self._record("buckets", name)

    def _queues(self) -> None:
        sqs = self.emulator.client("sqs")
        queues = self.template.of_type("AWS::SQS::Queue")
        # Dead-letter queues first: a queue's redrive policy names its DLQ's ARN.
        ordered = sorted(
            queues.items(), key=lambda item: "RedrivePolicy" in (item[1].get("Properties") or {})
        )
        for logical_id, resource in ordered:
            properties = self.template.resolve(resource.get("Properties") or {})
            name = self.template.physical_name(logical_id, "QueueName")
            if properties.get("FifoQueue") and not name.endswith(".fifo"):
                name += ".fifo"
            attributes = {
                key: _attribute(value)
                for key, value in properties.items()
                if key
                in {
                    "FifoQueue",
                    "ContentBasedDeduplication",
                    "VisibilityTimeout",
                    "MessageRetentionPeriod",
                    "DelaySeconds",
                    "ReceiveMessageWaitTimeSeconds",
                    "RedrivePolicy",
                    "DeduplicationScope",
                    "FifoThroughputLimit",
                }
            }
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            self.template.refs[logical_id] = url
            self.template.attributes[(logical_id, "Arn")] = (
                f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
            )
            self.template.attributes[(logical_id, "QueueName")] = name
            self.template.attributes[(logical_id, "QueueUrl")] = url
            self._record("queues", name)

    def _secrets(self) -> None:
        secrets = self.emulator.client("secretsmanager")
        for logical_id, resource in self.template.of_type("AWS::SecretsManager::Secret").items():
            properties = self.template.resolve(resource.get("Properties") or {})
            name = self.template.physical_name(logical_id, "Name")
            value = properties.get("SecretString")
            if value is None:
                # Locally a generated secret is a fixed, recognisable development value.
                generate = properties.get("GenerateSecretString") or {}
                template_value = generate.get("SecretStringTemplate")
                key = generate.get("GenerateStringKey")
                document = json.loads(template_value) if template_value else {}
                if key:
                    document[key] = f"local-{logical_id.lower()}-secret"
                value = json.dumps(document) if document else f"local-{logical_id.lower()}"
            arn = secrets.create_secret(Name=name, SecretString=value)["ARN"]
            self.template.refs[logical_id] = arn
            self.template.attributes[(logical_id, "Id")] = arn
            self._record("secrets", name)

    def _topics(self) -> None:
        sns = self.emulator.client("sns")
        for logical_id in self.template.of_type("AWS::SNS::Topic"):
            name = self.template.physical_name(logical_id, "TopicName")
            arn = sns.create_topic(Name=name)["TopicArn"]
            self.template.refs[logical_id] = arn
            self.template.attributes[(logical_id, "TopicName")] = name
            self._record("topics", name)

    def _email_configuration_sets(self) -> None:
        ses = self.emulator.client("ses")
        for logical_id in self.template.of_type("AWS::SES::ConfigurationSet"):
            name = self.template.physical_name(logical_id, "Name")
            ses.create_configuration_set(ConfigurationSet={"Name": name})
            self.template.refs[logical_id] = name
            self._record("email_configuration_sets", name)

    def _passive_resources(self) -> None:
        # Alarms, dashboards, log groups and the like have no local behaviour; their names
        # still resolve in case something references them.
        for logical_id, resource in self.template.resources.items():
            if logical_id in self.template.refs:
                continue
            kind = str(resource.get("Type", ""))
            if kind.startswith(
                ("AWS::CloudWatch", "AWS::Logs", "AWS::IAM", "AWS::Serverless::Api", "AWS::SES")
            ):
                self.template.refs[logical_id] = f"{self.template.stack_name}-{logical_id}"

    def create_state_machines(self) -> dict[str, str]:
        """Create every state machine from its ASL file with DefinitionSubstitutions applied."""
        sfn = self.emulator.client("stepfunctions")
        arns: dict[str, str] = {}
        machines = self.template.of_type("AWS::Serverless::StateMachine")
        for logical_id, resource in machines.items():
            properties = resource.get("Properties") or {}
            definition = _load_definition(self.template, logical_id, properties)
            name = self.template.physical_name(logical_id, "Name")
            arn = sfn.create_state_machine(
                name=name,
                definition=definition,
                roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-role",
                type=str(properties.get("Type", "STANDARD")),
            )["stateMachineArn"]
            self.template.refs[logical_id] = arn
            self.template.attributes[(logical_id, "Name")] = name
            arns[logical_id] = arn
            self._record("state_machines", name)
        return arns


def _load_definition(template: Template, logical_id: str, properties: dict[str, Any]) -> str:
    if "DefinitionUri" in properties:
        path: Path = template.root / str(properties["DefinitionUri"])
        text = path.read_text(encoding="utf-8")
    elif "Definition" in properties:
        text = json.dumps(properties["Definition"])
    else:
        raise TemplateError(f"{logical_id}: no Definition or DefinitionUri")
    substitutions = template.resolve(properties.get("DefinitionSubstitutions") or {})
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", str(value))
    leftover = [match for match in _placeholders(text) if not match.startswith("$")]
    if leftover:
        raise TemplateError(f"{logical_id}: unresolved substitutions {sorted(set(leftover))}")
    return text


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"\$\{([^}]+)\}", text)


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
