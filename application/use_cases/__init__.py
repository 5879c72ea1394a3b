"""One use case per module, one public coroutine (``execute``) per class."""

from application.history import LocationQuantity
from application.use_cases.adjust_stock import AdjustStock, StockChange
from application.use_cases.archive_item import ArchiveItem, PurgeItem, RestoreItem
from application.use_cases.attach_image import AttachImage
from application.use_cases.authenticate import Authenticate, LoginPolicy
from application.use_cases.bootstrap_admin import BootstrapAdmin, BootstrapResult
from application.use_cases.change_password import ChangeOwnPassword, SetUserPassword
from application.use_cases.check_readiness import CheckReadiness, Readiness
from application.use_cases.check_registration import CheckRegistration
from application.use_cases.count_stock import CountStock
from application.use_cases.create_item import CreatedItem, CreateItem
from application.use_cases.create_location import CreateLocation
from application.use_cases.create_reservation import CreateReservation, Reserved
from application.use_cases.create_webhook import CreatedWebhook, CreateWebhook
from application.use_cases.delete_location import DeleteLocation
from application.use_cases.expire_reservations import ExpireReservations, Sweep
from application.use_cases.export_items import ExportedStock, ExportItems, ExportStockByLocation
from application.use_cases.get_image import GetImage, ImageContent
from application.use_cases.get_item import GetItem
from application.use_cases.get_item_by_sku import GetItemBySku
from application.use_cases.get_location import GetLocation, ListLocations
from application.use_cases.get_reservation import GetReservation, ListReservations
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
from application.use_cases.manage_api_tokens import CreateApiToken, ListApiTokens, RevokeApiToken
from application.use_cases.manage_sessions import EndSession, ListSessions, Logout
from application.use_cases.manage_webhooks import (
    DeleteWebhook,
    GetWebhook,
    ListWebhooks,
    RotateWebhookSecret,
    UpdateWebhook,
)
from application.use_cases.open_event_stream import LiveSession, OpenEventStream
from application.use_cases.read_history import (
    ExportMovements,
    HistoryEntry,
    ItemHistory,
    ListAudit,
    MovementBatch,
)
from application.use_cases.read_stock import GetItemStock, ListLocationStock, ListTransfers
from application.use_cases.refresh_session import RefreshSession
from application.use_cases.register_user import RegisterUser
from application.use_cases.remove_image import RemoveImage
from application.use_cases.replace_item import ReplaceItem
from application.use_cases.replay_events import EventBatch, ReplayEvents
from application.use_cases.resolve_actor import ResolveActor
from application.use_cases.resolve_principal import ResolvePrincipal
from application.use_cases.settle_reservation import (
    FulfilReservation,
    ReleaseReservation,
    Settled,
)
from application.use_cases.stock_as_of import (
    GetItemStockAsOf,
    ItemStockAsOf,
    StockLine,
    StockReportAsOf,
    Valuation,
    ValuationLine,
    ValueStockAsOf,
)
from application.use_cases.stocktakes import (
    CommitStocktake,
    CountStocktake,
    GetStocktake,
    OpenStocktake,
    StocktakeReport,
    TakeStock,
)
from application.use_cases.transfer_stock import Transfer, TransferStock
from application.use_cases.update_item import UpdateItem
from application.use_cases.update_location import UpdateLocation
from application.use_cases.update_reservation import UpdateReservation
from application.use_cases.update_user import UpdateUser
from application.use_cases.webhook_deliveries import ListWebhookDeliveries, RedeliverWebhook

__all__ = [
    "AdjustStock",
    "ArchiveItem",
    "AttachImage",
    "Authenticate",
    "BootstrapAdmin",
    "BootstrapResult",
    "ChangeOwnPassword",
    "CheckReadiness",
    "CheckRegistration",
    "CommitStocktake",
    "CountStock",
    "CountStocktake",
    "CreateApiToken",
    "CreateItem",
    "CreateLocation",
    "CreateReservation",
    "CreateWebhook",
    "CreatedItem",
    "CreatedWebhook",
    "DeleteLocation",
    "DeleteWebhook",
    "EndSession",
    "EventBatch",
    "ExpireReservations",
    "ExportItems",
    "ExportMovements",
    "ExportStockByLocation",
    "ExportedStock",
    "FulfilReservation",
    "GetImage",
    "GetItem",
    "GetItemBySku",
    "GetItemStock",
    "GetItemStockAsOf",
    "GetLocation",
    "GetReservation",
    "GetStocktake",
    "GetUser",
    "GetWebhook",
    "HistoryEntry",
    "ImageContent",
    "ImportItems",
    "ImportReport",
    "ImportRow",
    "ItemHistory",
    "ItemStockAsOf",
    "ListApiTokens",
    "ListAudit",
    "ListItems",
    "ListLocationStock",
    "ListLocations",
    "ListMovements",
    "ListReservations",
    "ListSessions",
    "ListTransfers",
    "ListUsers",
    "ListWebhookDeliveries",
    "ListWebhooks",
    "LiveSession",
    "LocationQuantity",
    "LoginPolicy",
    "Logout",
    "MovementBatch",
    "OpenEventStream",
    "OpenStocktake",
    "PurgeItem",
    "Readiness",
    "RedeliverWebhook",
    "RefreshSession",
    "RegisterUser",
    "ReleaseReservation",
    "RemoveImage",
    "ReplaceItem",
    "ReplayEvents",
    "Reserved",
    "ResolveActor",
    "ResolvePrincipal",
    "RestoreItem",
    "RevokeApiToken",
    "RotateWebhookSecret",
    "RowOutcome",
    "RowStatus",
    "SetUserPassword",
    "Settled",
    "StockChange",
    "StockLine",
    "StockReportAsOf",
    "StocktakeReport",
    "Sweep",
    "TakeStock",
    "Transfer",
    "TransferStock",
    "UpdateItem",
    "UpdateLocation",
    "UpdateReservation",
    "UpdateUser",
    "UpdateWebhook",
    "Valuation",
    "ValuationLine",
    "ValueStockAsOf",
]
