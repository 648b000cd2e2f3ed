import uuid, pytest, sqlalchemy as sa
from stock_svc.main import create_app
from stock_svc.settings import StockSvcSettings
from taraba_testing import ADMIN, OPERATOR, auth, running_app

async def test_probe(make_settings):
    app = create_app(make_settings(StockSvcSettings))
    async with running_app(app) as c0:
      import httpx
      async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url='http://test') as c:
        r = await c.post("/api/v1/warehouses", json={"code": "p"+uuid.uuid4().hex[:6], "name": "x"}, headers=auth(ADMIN))
        print(r.status_code, r.text)
        wid = r.json()["id"]
        r = await c.post("/api/v1/warehouses", json={"code": "p"+uuid.uuid4().hex[:6], "name": "x\u0000y"}, headers=auth(ADMIN))
        print("NUL name", r.status_code, r.text)
        p = str(uuid.uuid4())
        r = await c.post("/api/v1/stock/movements", json={"kind": "receipt", "warehouse_id": wid, "reference": "A\u0000", "lines": [{"product_id": p, "quantity": 1}]}, headers=auth(OPERATOR))
        print("NUL ref", r.status_code, r.text)
        r = await c.post("/api/v1/stock/movements", json={"kind": "receipt", "warehouse_id": wid, "lines": [{"product_id": p, "quantity": True}]}, headers=auth(OPERATOR))
        print("bool qty", r.status_code, r.text[:300])
        r = await c.post("/api/v1/stock/movements", json={"kind": "receipt", "warehouse_id": wid, "lines": [{"product_id": p, "quantity": 1}]}, headers=auth(OPERATOR))
        print(r.status_code)
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(sa.text("UPDATE stock_levels SET on_hand = 2147000000 WHERE product_id = :p"), {"p": p})
        r = await c.post("/api/v1/stock/movements", json={"kind": "receipt", "warehouse_id": wid, "lines": [{"product_id": p, "quantity": 1000000}]}, headers=auth(OPERATOR))
        print("overflow", r.status_code, r.text[:300])
        r = await c.post("/api/v1/stock/movements", content=b"", headers={**auth(OPERATOR), "content-type": "application/json"})
        print("empty", r.status_code, r.text[:300])
        r = await c.post("/api/v1/stock/movements", content=b"kind=receipt", headers={**auth(OPERATOR), "content-type": "application/x-www-form-urlencoded"})
        print("form", r.status_code, r.text[:300])
        r = await c.post("/api/v1/stock/movements", content=b"\xff\xfe", headers={**auth(OPERATOR), "content-type": "application/json"})
        print("badbytes", r.status_code, r.text[:300])
        r = await c.post("/api/v1/stock/movements", json={"kind": "receipt", "warehouse_id": wid, "lines": [{"product_id": p, "quantity": 1}]}, headers={**auth(OPERATOR), "Idempotency-Key": "   "})
        print("blank key", r.status_code, r.text[:300])
        r = await c.options("/api/v1/stock", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
        print("cors bad", r.status_code, dict(r.headers), r.text)
        r = await c.get("/api/v1/nope")
        print("404", r.status_code, r.text)
        r = await c.delete("/api/v1/stock", headers=auth(ADMIN))
        print("405", r.status_code, r.text)
