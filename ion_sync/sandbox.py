"""Start the local simulators and the environment that points ion-sync at them.

Used by `ion-sync sandbox`, the demo, the tests and the benchmarks: one place that knows the
simulators' default credentials and turns them into the ION_* / NETSUITE_* variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette

from ion_sync.deployments import PROJECT_ROOT
from sandbox import arena, business_central, duro, ion, netsuite, odoo, onshape, quickbooks
from sandbox import ramp as ramp_sim
from sandbox.ion.attributes import AttributeDefinition
from sandbox.server import RunningServer, start

SANDBOX_MAPPINGS = PROJECT_ROOT / "config" / "sandbox.yaml"


@dataclass
class Sandbox:
    ion: RunningServer
    netsuite: RunningServer
    env: dict[str, str] = field(default_factory=dict)
    ramp: RunningServer | None = None
    arena: RunningServer | None = None
    quickbooks: RunningServer | None = None
    business_central: RunningServer | None = None
    duro: RunningServer | None = None
    onshape: RunningServer | None = None
    odoo: RunningServer | None = None

    def stop(self) -> None:
        self.ion.stop()
        self.netsuite.stop()
        if self.ramp:
            self.ramp.stop()
        if self.arena is not None:
            self.arena.stop()
        if self.quickbooks:
            self.quickbooks.stop()
        if self.business_central:
            self.business_central.stop()
        if self.duro is not None:
            self.duro.stop()
        if self.onshape:
            self.onshape.stop()
        if self.odoo is not None:
            self.odoo.stop()


def netsuite_key_pair(directory: Path) -> tuple[Path, str]:
    """A fresh EC P-256 key: the private half for the client (a file), the public half for the simulator."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = directory / "netsuite-m2m-key.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


def start_sandbox(
    workdir: Path, *, ion_port: int = 0, netsuite_port: int = 0, seed_demo: bool = True, arena_port: int = 0
) -> Sandbox:
    """Start the simulators on loopback (0 = any free port) with the demo factory seeded."""
    workdir.mkdir(parents=True, exist_ok=True)
    key_path, public_pem = netsuite_key_pair(workdir)
    ion_config = ion_sim_config(database=str(workdir / "ion-sim.db"), seed_demo=seed_demo)
    ns_config = netsuite.NetSuiteSimConfig(
        database=str(workdir / "netsuite-sim.db"),
        oauth2_public_key_pem=public_pem,
        seed_demo=seed_demo,
        seed_purchasing=seed_demo,
    )
    ion_server = start(ion.create_app(ion_config), ion_port)
    ns_server = start(netsuite.create_app(ns_config), netsuite_port)
    env = {
        "ION_API_URL": ion_server.url,
        "ION_AUTH_URL": f"{ion_server.url}/realms/api-keys/protocol/openid-connect/token",
        "ION_CLIENT_ID": ion_config.client_id,
        "ION_CLIENT_SECRET": ion_config.client_secret,
        "NETSUITE_ACCOUNT_ID": ns_config.account_id,
        "NETSUITE_BASE_URL": ns_server.url,
        "NETSUITE_AUTH": "oauth2",
        "NETSUITE_CLIENT_ID": ns_config.oauth2_client_id,
        "NETSUITE_CERTIFICATE_ID": ns_config.oauth2_certificate_id,
        "NETSUITE_PRIVATE_KEY_PATH": str(key_path),
        "NETSUITE_JWT_ALGORITHM": "ES256",
        "ION_SYNC_CONFIG": str(SANDBOX_MAPPINGS),
    }
    ramp_server = start(ramp_sim.create_app(RAMP_CONFIG), 0)
    env |= ramp_env(ramp_server.url)
    arena_config = arena.ArenaSimConfig(database=str(workdir / "arena-sim.db"), seed_demo=seed_demo)
    arena_server = start(arena.create_app(arena_config), arena_port)
    env |= {
        "ARENA_API_URL": f"{arena_server.url}/v1",
        "ARENA_EMAIL": arena_config.email,
        "ARENA_PASSWORD": arena_config.password,
        "ARENA_WORKSPACE_ID": str(arena_config.workspace_id),
        "ARENA_INTEGRATION_GUID": arena_config.integration_guid,
        "ARENA_ROUTING_SUFFIX": "-RTG",  # the demo's routings (sandbox/arena/demo.py)
    }
    qbo_config = quickbooks.QuickBooksSimConfig(database=str(workdir / "quickbooks-sim.db"), seed_demo=seed_demo)
    qbo_server = start(quickbooks.create_app(qbo_config))
    env |= {
        "QUICKBOOKS_BASE_URL": qbo_server.url,
        "QUICKBOOKS_TOKEN_URL": f"{qbo_server.url}/oauth2/v1/tokens/bearer",
        "QUICKBOOKS_REALM_ID": qbo_config.realm_id,
        "QUICKBOOKS_CLIENT_ID": qbo_config.client_id,
        "QUICKBOOKS_CLIENT_SECRET": qbo_config.client_secret,
        "QUICKBOOKS_REFRESH_TOKEN": qbo_config.initial_refresh_token,
    }
    bc_config = business_central.BusinessCentralSimConfig(database=str(workdir / "business-central-sim.db"), seed_demo=seed_demo)
    bc_server = start(business_central.create_app(bc_config))
    env |= business_central_env(bc_server.url, bc_config)
    duro_server = start(duro.create_app(DURO_CONFIG))
    env |= duro_env(duro_server.url)
    odoo_server = start(odoo.create_app(ODOO_CONFIG))
    env |= odoo_env(odoo_server.url)
    onshape_server = start(onshape.create_app(ONSHAPE_CONFIG.model_copy(update={"seed_demo": seed_demo})))
    env |= onshape_env(onshape_server.url)
    return Sandbox(
        ion=ion_server,
        netsuite=ns_server,
        env=env,
        ramp=ramp_server,
        arena=arena_server,
        quickbooks=qbo_server,
        business_central=bc_server,
        duro=duro_server,
        onshape=onshape_server,
        odoo=odoo_server,
    )


def ion_sim_config(**fields: Any) -> ion.IonSimConfig:
    """The ION simulator as the sandbox runs it: with the supplier attributes the Ramp and Business
    Central flows write (ION refuses a value for an attribute the organisation does not define)."""
    config = ion.IonSimConfig(**fields)
    config.supplier_attributes += [AttributeDefinition(key=RAMP_VENDOR_ATTRIBUTE), AttributeDefinition(key=BC_VENDOR_ATTRIBUTE)]
    return config


def create_ion_app() -> Starlette:
    """`uvicorn --factory ion_sync.sandbox:create_ion_app`, docker's demo profile: ION as the sandbox runs it."""
    return ion.create_app(ion_sim_config())


def create_netsuite_app() -> Starlette:
    """`uvicorn --factory ion_sync.sandbox:create_netsuite_app`, docker's demo profile: NetSuite with the
    purchasing demo seeded too, as the sandbox runs it (docker/demo.env signs in by TBA: no key pair to share)."""
    return netsuite.create_app(netsuite.NetSuiteSimConfig(seed_purchasing=True))


ODOO_CONFIG = odoo.OdooSimConfig()  # Odoo 19: JSON-2


def odoo_env(url: str) -> dict[str, str]:
    """ODOO_* for the Odoo simulator (JSON-2 with its API key; the database header as a multi-database server needs it)."""
    return {
        "ODOO_URL": url,
        "ODOO_API_KEY": ODOO_CONFIG.api_key,
        "ODOO_DATABASE": ODOO_CONFIG.database,
        "ODOO_USERNAME": ODOO_CONFIG.username,
    }


# A rate limit's retryAfter is 60 s in Duro's example; 1 s here, so a test that injects one waits 1 s
DURO_CONFIG = duro.DuroSimConfig(rate_limit_retry_after=1)


def duro_env(url: str) -> dict[str, str]:
    """DURO_* for the Duro simulator; its demo library keeps the ION part number in each component's eid."""
    return {
        "DURO_API_URL": f"{url}/graphql",
        "DURO_API_KEY": DURO_CONFIG.api_key,
        "DURO_ORGANIZATION": DURO_CONFIG.organization,
        "DURO_LIBRARY": DURO_CONFIG.library,
        "DURO_PART_NUMBER_FIELD": "eid",
    }


ONSHAPE_CONFIG = onshape.OnshapeSimConfig()


def onshape_env(url: str) -> dict[str, str]:
    """ONSHAPE_* for the Onshape simulator (API keys, HMAC-signed); ONSHAPE_WEBHOOK_SECRET is its
    primary webhook signature key, so the receiver accepts what it sends."""
    return {
        "ONSHAPE_API_URL": f"{url}/api/v16",
        "ONSHAPE_ACCESS_KEY": ONSHAPE_CONFIG.access_key,
        "ONSHAPE_SECRET_KEY": ONSHAPE_CONFIG.secret_key,
        "ONSHAPE_COMPANY_ID": ONSHAPE_CONFIG.company_id,
        "ONSHAPE_WEBHOOK_SECRET": ONSHAPE_CONFIG.webhook_signature_primary or "",
    }


def business_central_env(url: str, config: business_central.BusinessCentralSimConfig) -> dict[str, str]:
    """BUSINESS_CENTRAL_* for the Business Central simulator (its Entra token endpoint is its own)."""
    return {
        "BUSINESS_CENTRAL_BASE_URL": url,
        "BUSINESS_CENTRAL_TOKEN_URL": f"{url}/{config.tenant_id}/oauth2/v2.0/token",
        "BUSINESS_CENTRAL_TENANT_ID": config.tenant_id,
        "BUSINESS_CENTRAL_ENVIRONMENT": config.environment,
        "BUSINESS_CENTRAL_COMPANY_ID": config.company_id,
        "BUSINESS_CENTRAL_CLIENT_ID": config.client_id,
        "BUSINESS_CENTRAL_CLIENT_SECRET": config.client_secret,
    }


RAMP_CONFIG = ramp_sim.RampSimConfig()
RAMP_WEBHOOK_SECRET = "ramp_sec_sandbox-webhook-secret"
RAMP_VENDOR_ATTRIBUTE = "Ramp Vendor Id"  # the ION supplier attribute of `ramp.vendor_attribute`
BC_VENDOR_ATTRIBUTE = "Business Central Vendor No"  # business_central.purchasing.vendor_id_attribute


def ramp_env(url: str) -> dict[str, str]:
    """RAMP_* for the Ramp simulator; RAMP_WEBHOOK_SECRET is the secret the tests give `_sandbox/webhooks` subscriptions."""
    return {
        "RAMP_BASE_URL": url,
        "RAMP_CLIENT_ID": RAMP_CONFIG.client_id,
        "RAMP_CLIENT_SECRET": RAMP_CONFIG.client_secret,
        "RAMP_ENTITY_ID": RAMP_CONFIG.entity_id,
        "RAMP_WEBHOOK_SECRET": RAMP_WEBHOOK_SECRET,
    }
