#!/usr/bin/env python3
"""Builds the bundled Azure Retail Prices snapshot (page-NNNN.json) from sources.csv.

Every price in sources.csv is a real figure read in the source named on its row. The pages are in the
exact format of the Retail Prices API (api-version 2023-01-01-preview). Where a source gave only the
price (the SkyPilot catalog rows), the descriptive fields are reconstructed from the SKU's naming
pattern and the ids are synthetic but stable; services/Azure.Pricing/Snapshot/README.md says so. From anywhere:
    python3 tools/snapshots/azure/build_snapshot.py [--root DIR]
It reads and writes services/Azure.Pricing/Snapshot of this repository (of DIR with --root: test.sh's check).
"""
import csv, json, os, sys, uuid

PAGE_SIZE = 100  # the API returns at most 100 items a page
API = "https://prices.azure.com/api/retail/prices?api-version=2023-01-01-preview&$filter=serviceName%20eq%20%27Virtual%20Machines%27%20and%20(contains(armSkuName,%20%27Standard_N%27)%20or%20(contains(armSkuName,%20%27Standard_D%27)%20and%20contains(armSkuName,%20%27s_v5%27)))"
LOCATIONS = {"eastus": "US East", "eastus2": "US East 2", "westus": "US West", "westus2": "US West 2", "westus3": "US West 3",
             "centralus": "US Central", "northcentralus": "US North Central", "southcentralus": "US South Central",
             "uksouth": "UK South", "polandcentral": "PL Central", "swedencentral": "SE Central", "spaincentral": "ES Central",
             "switzerlandnorth": "CH North", "westeurope": "EU West", "northeurope": "EU North", "francecentral": "FR Central"}
SERIES = {"ND96isr_H100_v5": "NDsr H100 v5", "ND96is_H100_v5": "NDsr H100 v5", "ND96isr_H200_v5": "NDsr H200 v5", "ND96asr_v4": "NDasr A100 v4",
          "ND96amsr_A100_v4": "NDamsr A100 v4", "NC24ads_A100_v4": "NCads A100 v4", "NC48ads_A100_v4": "NCads A100 v4", "NC96ads_A100_v4": "NCads A100 v4",
          "NC40ads_H100_v5": "NCads H100 v5", "NC80adis_H100_v5": "NCads H100 v5", "NC4as_T4_v3": "NCasT4 v3", "NC6s_v3": "NCSv3",
          "NV36ads_A10_v5": "NVadsA10 v5", "NV36adms_A10_v5": "NVadsA10 v5", "NV72ads_A10_v5": "NVadsA10 v5", "ND40rs_v2": "NDrSv2",
          "NC8as_T4_v3": "NCasT4 v3", "NC16as_T4_v3": "NCasT4 v3", "NC64as_T4_v3": "NCasT4 v3", "NC12s_v3": "NCSv3", "NC24s_v3": "NCSv3",
          "NC24rs_v3": "NCSv3", "NCC40ads_H100_v5": "NCCadsv5 Srs",
          # The CPU family priced per vCPU for the quote's data processing (product name as the verbatim D64s v5 row prints it).
          "D8s_v5": "Dsv5", "D64s_v5": "Dsv5"}
NS = uuid.UUID("6f1c2b1e-8c0a-4c3e-9a53-2c1f3e0b9a11")


def synthetic_id(*parts):
    return str(uuid.uuid5(NS, "|".join(parts)))


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
if sys.argv[1:2] == ["--root"] and len(sys.argv) == 3:
    ROOT = os.path.abspath(sys.argv[2])
elif len(sys.argv) != 1:
    sys.exit(__doc__)
os.chdir(os.path.join(ROOT, "services", "Azure.Pricing", "Snapshot"))  # sources.csv and the pages are here

rows = list(csv.DictReader(open("sources.csv")))
# Where a newer verbatim API row and an older catalog row price the same meter, keep the newer one. Only Linux rows
# count: a Windows row (kept as a trap) shares the key but prices something else.
key = lambda r: (r["armSkuName"], r["armRegionName"], r["type"], r["spot"], r["reservationTerm"])
verbatim = {key(r) for r in rows if "skypilot" not in r["source"] and not r["productName"].endswith(" Windows")}
rows = [r for r in rows if "skypilot" not in r["source"] or key(r) not in verbatim]

items = []
for r in rows:
    short = r["armSkuName"].removeprefix("Standard_")
    suffix = {"yes": " Spot", "lowpriority": " Low Priority"}.get(r["spot"], "")
    meter = r["meterName"] or short.replace("_", " ") + suffix
    series = SERIES.get(short, short)
    product = r["productName"] or (f"Virtual Machines {series}" if series.endswith(" Srs") else f"Virtual Machines {series} Series")
    sku_name = r["skuName"] or short.replace("_", " ") + suffix
    # Ids: verbatim where the source recorded them (skuId = productId/sku suffix), else synthetic but stable.
    meter_id = r.get("meterId") or synthetic_id(r["armSkuName"], r["armRegionName"], meter, product)
    product_id = r["skuId"].split("/")[0] if r.get("skuId") else "DZH318Z" + synthetic_id(product)[:5].upper()
    sku_id = r.get("skuId") or f"{product_id}/{synthetic_id(sku_name)[:4].upper()}"
    item = {
        "currencyCode": "USD", "tierMinimumUnits": 0.0,
        **({"reservationTerm": r["reservationTerm"]} if r["reservationTerm"] else {}),
        "retailPrice": float(r["retailPrice"]), "unitPrice": float(r["retailPrice"]),
        "armRegionName": r["armRegionName"], "location": LOCATIONS[r["armRegionName"]],
        "effectiveStartDate": "2026-01-01T00:00:00Z",
        "meterId": meter_id, "meterName": meter, "productId": product_id,
        "skuId": sku_id, "productName": product, "skuName": sku_name,
        "serviceName": "Virtual Machines", "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute",
        "unitOfMeasure": r["unitOfMeasure"], "type": r["type"], "isPrimaryMeterRegion": True, "armSkuName": r["armSkuName"],
    }
    items.append(item)

# Two non-GPU rows verbatim from the 2022-06-06 API page (joelverhagen/az-retail-prices snapshot/2022-06-06/page0.json @ eb2c426e):
# they must be skipped as "not a GPU size".
items += [
    {"currencyCode": "USD", "tierMinimumUnits": 0, "retailPrice": 1.0752, "unitPrice": 1.0752, "armRegionName": "eastasia", "location": "AP East",
     "effectiveStartDate": "2022-05-01T00:00:00Z", "meterId": "00014e7d-fff9-54dd-962e-4e992887ad3c", "meterName": "D64s v5 Spot", "productId": "DZH318Z08M9T",
     "skuId": "DZH318Z08M9T/00CC", "productName": "Virtual Machines Dsv5 Series Windows", "skuName": "Standard_D64s_v5 Spot", "serviceName": "Virtual Machines",
     "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute", "unitOfMeasure": "1 Hour", "type": "Consumption", "isPrimaryMeterRegion": True, "armSkuName": "Standard_D64s_v5"},
    {"currencyCode": "USD", "tierMinimumUnits": 0, "retailPrice": 0.0756, "unitPrice": 0.0756, "armRegionName": "westus", "location": "US West",
     "effectiveStartDate": "2022-04-01T00:00:00Z", "meterId": "00026917-5c42-5cf2-994e-4037490635aa", "meterName": "E2bds v5 Spot", "productId": "DZH318Z09LQP",
     "skuId": "DZH318Z09LQP/00CL", "productName": "Virtual Machines Ebdsv5 Series", "skuName": "Standard_E2bds_v5 Spot", "serviceName": "Virtual Machines",
     "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute", "unitOfMeasure": "1 Hour", "type": "Consumption", "isPrimaryMeterRegion": True, "armSkuName": "Standard_E2bds_v5"},
]
items.sort(key=lambda i: i["meterId"])  # the API orders by meterId

pages = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]
for n, page in enumerate(pages):
    nxt = f"{API}&$skip={(n + 1) * PAGE_SIZE}" if n + 1 < len(pages) else None
    body = {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
            "Items": page, "NextPageLink": nxt, "Count": len(page)}
    with open(f"page-{n + 1:04d}.json", "w") as f:
        json.dump(body, f, indent=2)
        f.write("\n")
print(f"{len(items)} items on {len(pages)} pages")
