"""The baseline every scenario is compared with: a bare FastAPI app with one route returning a
fixed JSON object of about 300 bytes, served exactly like the product (same uvicorn options)."""

from fastapi import FastAPI

PAYLOAD = {
    "id": "0b6f2f4e-8a51-4a39-9d55-3f0f8f8a2d11",
    "sku": "BASELINE-0001",
    "name": "Baseline item used to measure the bare framework",
    "description": "A fixed object so the response size matches a real item.",
    "unit_price": "12.50",
    "tax_rate": "20.00",
    "price_with_tax": "15.00",
    "quantity": 42,
    "reorder_level": 5,
    "version": 7,
}

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/baseline")
async def baseline() -> dict[str, object]:
    return PAYLOAD
