"""One use case per module, one public coroutine (``execute``) per class."""

from application.use_cases.adjust_stock import AdjustStock, StockChange
from application.use_cases.attach_image import AttachImage
from application.use_cases.authenticate import Authenticate, LoginPolicy
from application.use_cases.bootstrap_admin import BootstrapAdmin, BootstrapResult
from application.use_cases.change_password import ChangeOwnPassword, SetUserPassword
from application.use_cases.check_readiness import CheckReadiness, Readiness
from application.use_cases.count_stock import CountStock
from application.use_cases.create_item import CreatedItem, CreateItem
from application.use_cases.create_webhook import CreatedWebhook, CreateWebhook
from application.use_cases.delete_item import DeleteItem
from application.use_cases.export_items import ExportItems
from application.use_cases.get_image import GetImage, ImageContent
from application.use_cases.get_item import GetItem
from application.use_cases.get_user import GetUser, ListUsers
from application.use_cases.import_items import (
    ImportItems,
    ImportReport,
    ImportRow,
    RowOutcome,
    RowStatus,
)
from application.use_cases.list_items import ListItems
from application.use_cases.list_movements import ListMovements
from application.use_cases.manage_webhooks import (
    DeleteWebhook,
    GetWebhook,
    ListWebhooks,
    RotateWebhookSecret,
    UpdateWebhook,
)
from application.use_cases.open_event_stream import LiveSession, OpenEventStream
from application.use_cases.register_user import RegisterUser
from application.use_cases.remove_image import RemoveImage
from application.use_cases.replace_item import ReplaceItem
from application.use_cases.replay_events import EventBatch, ReplayEvents
from application.use_cases.resolve_actor import ResolveActor
from application.use_cases.resolve_principal import ResolvePrincipal
from application.use_cases.update_item import UpdateItem
from application.use_cases.update_user import UpdateUser
from application.use_cases.webhook_deliveries import ListWebhookDeliveries, RedeliverWebhook

__all__ = [
    "AdjustStock",
    "AttachImage",
    "Authenticate",
    "BootstrapAdmin",
    "BootstrapResult",
    "ChangeOwnPassword",
    "CheckReadiness",
    "CountStock",
    "CreateItem",
    "CreateWebhook",
    "CreatedItem",
    "CreatedWebhook",
    "DeleteItem",
    "DeleteWebhook",
    "EventBatch",
    "ExportItems",
    "GetImage",
    "GetItem",
    "GetUser",
    "GetWebhook",
    "ImageContent",
    "ImportItems",
    "ImportReport",
    "ImportRow",
    "ListItems",
    "ListMovements",
    "ListUsers",
    "ListWebhookDeliveries",
    "ListWebhooks",
    "LiveSession",
    "LoginPolicy",
    "OpenEventStream",
    "Readiness",
    "RedeliverWebhook",
    "RegisterUser",
    "RemoveImage",
    "ReplaceItem",
    "ReplayEvents",
    "ResolveActor",
    "ResolvePrincipal",
    "RotateWebhookSecret",
    "RowOutcome",
    "RowStatus",
    "SetUserPassword",
    "StockChange",
    "UpdateItem",
    "UpdateUser",
    "UpdateWebhook",
]
