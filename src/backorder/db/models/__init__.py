"""Tables, one module per area; import them from here."""

from backorder.db.models.base import Base
from backorder.db.models.core import (
    SERVING,
    WAITING,
    ApiKey,
    Customer,
    InventoryMovement,
    Order,
    OrderLine,
    Product,
    Shipment,
    ShipmentLine,
)
from backorder.db.models.events import (
    BusinessSetting,
    Delivery,
    DeliveryAttempt,
    Event,
    JobRun,
    Webhook,
)
from backorder.db.models.planning import DemandForecast, DemandHistory
from backorder.db.models.purchasing import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
    SupplierProduct,
)
from backorder.db.models.staff import BacklogSnapshot, User

__all__ = [
    "SERVING",
    "WAITING",
    "ApiKey",
    "BacklogSnapshot",
    "Base",
    "BusinessSetting",
    "Customer",
    "Delivery",
    "DeliveryAttempt",
    "DemandForecast",
    "DemandHistory",
    "Event",
    "InventoryMovement",
    "JobRun",
    "Order",
    "OrderLine",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Receipt",
    "ReceiptLine",
    "Shipment",
    "ShipmentLine",
    "Supplier",
    "SupplierProduct",
    "User",
    "Webhook",
]
