#!/usr/bin/env python3
"""Builds the bundled Cloud Billing Catalog snapshot (<service id>-page-NNNN.json) from sources.csv.

Two steps, from anywhere:

    python3 tools/snapshots/gcp/build_snapshot.py derive   # facts -> sources.csv and the breadth list, then pages
    python3 tools/snapshots/gcp/build_snapshot.py          # sources.csv -> pages
    ... --root DIR   # read and write DIR/services/Gcp.Pricing/Snapshot and DIR/tests/... instead of this repository's

`derive` turns the price facts (SkyPilot catalog rows, gpuhunt's TPU table, public SKU prices) into one row per
SKU, writing on each row where its figure comes from and how it was derived. Where a source gives a whole host VM
price rather than per-vCPU and per-GiB SKU prices, the host price is decomposed (see README.md). `build` writes
the SKUs in the exact page format of `GET v1/services/{id}/skus`, several pages per service linked by
nextPageToken, SKUs in skuId order as the API returns them. Only `derive` reads REFERENCE (reference/ beside this
script: verbatim public files, cited in tools/snapshots/README.md); everything read is in the repository.
"""
import csv, hashlib, json, os, sys
from decimal import Decimal, ROUND_HALF_EVEN

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
REFERENCE = os.path.join(HERE, "reference")
COMPUTE = "6F81-5844-456A"
TPU_SERVICE = "E000-3F24-B8AA"
SERVICE_NAMES = {COMPUTE: "Compute Engine", TPU_SERVICE: "Cloud TPU"}
PAGE_SIZE = {COMPUTE: 20, TPU_SERVICE: 2}
EFFECTIVE = "2026-11-28T08:00:00.000Z"
NANO = Decimal("0.000000001")
FIELDS = ["service", "skuId", "description", "resourceFamily", "resourceGroup", "usageType", "regions",
          "usageUnit", "price", "effectiveTime", "source", "derivation"]

SKYPILOT = "skypilot-org/skypilot-catalog:catalogs/v8/gcp/vms.csv@006059e0"
OPENCOST = "opencost/opencost:pkg/cloud/gcp/test/skus.json@42976a2b (verbatim SKU)"
AUTOSCALER = "kubernetes/autoscaler:cluster-autoscaler/cloudprovider/gce/gce_price_info.go@5a172bc2"
CYCLENERD = "Cyclenerd/google-cloud-pricing-cost-calculator:pricing.yml@0166a59e (generated 2025-03-06)"
GPUHUNT = "dstackai/gpuhunt:src/gpuhunt/resources/tpu_pricing.json@b707e743"
SPARECORES = "SpareCores/sc-crawler:tests/test_gcp.py@9c5d6b20 (A3 us-central1 SKU rates 0.03222/0.002817, citing cloud.google.com accelerator-optimized pricing)"
SPOT_PAGE = "cloud.google.com/spot-vms/pricing (A3-HIGH spot vCPU 0.0102, memory 0.000888)"
G2_EXAMPLE = "[C] search-index id 63133751876 (Billing Catalog worked example, g2-standard-8 us-central1: G2 core 0.024988, RAM 0.002927, L4 0.560040)"
TANOD = "huggingface.co/datasets/tanod/cloud-gpu-list-prices (2026-10-13, Billing Catalog API, a3-ultragpu-8g instance share 10.4365/GPU in us-central1 and us-east4)"
TPU_CAPTURE = "[C] search-index id 71536040031 (Billing Catalog capture 2026-06-14, verbatim SKU 'TpuV5e running in Delhi')"
EXTRACT = "skypilot-org/skypilot-catalog:catalogs/v8/gcp/vms.csv@006059e0 (rows copied verbatim into skypilot-gcp-vms-extract.csv)"
TPU_CAPTURE_ROWS = "[C] search-index id 71536040031 (Billing Catalog capture 2026-06-14, verbatim SKU id, description, usageType and price)"
A2_DWS = "[C] search-index id 58711035550 (Billing Catalog API 2026-08-02, a2-highgpu-1g us-central1 per component: DWS A100 1.61365, DWS vCPU x12 0.20868, DWS RAM x85 0.19805; on-demand and spot beside them)"
A100_80_CATALOG = "[C] search-index id 59828608568 (us-central1 figures read back from the Billing Catalog 2026-07-16: A100 80GB on-demand 3.928080, 'Nvidia Tesla A100 80GB GPU attached to DWS Defined Duration VMs running in Americas' 1.846198)"
B200_CATALOG = "[C] search-index id 59838414060 (Billing Catalog 2026-07-30, A4 B200 per GPU-hour in the Americas: on-demand 16.11, DWS calendar mode 11.277, 1-yr 11.1159, DWS Flex Start (defined duration) 8.055, 3-yr 7.0884, spot 4.9542)"
H100_CATALOG = "[C] search-index id 55242019615 (Billing Catalog 2026-07-07: 'Nvidia H100 80GB GPU running in Americas' 9.7966, 'A4 Nvidia B200 (1 gpu slice) running in Americas' 16.11)"
REAL_SKUS = "[C] search-index ids 55513368414/55242019615 (Billing Catalog 2026-07-07: 'H200 141GB GPU running in Americas' 9.31174, 'Nvidia H100 80GB Plus GPU running in Americas' 10.344275712)"


def nanos(value):
    return Decimal(value).quantize(NANO, rounding=ROUND_HALF_EVEN)


def synthetic_id(*parts):
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest().upper()
    return f"{digest[0:4]}-{digest[4:8]}-{digest[8:12]}"


# --------------------------------------------------------------------------------------------- derive

def skypilot_rows():
    with open(os.path.join(REFERENCE, "skypilot/gcp_vms_v8_gpu_tpu_subset.csv")) as f:
        return list(csv.DictReader(f))


def first(rows, **match):
    for r in rows:
        if all(r[k] == v for k, v in match.items()):
            return r
    raise KeyError(match)


def host(rows, machine, region, spot):
    r = first(rows, InstanceType=machine, Region=region)
    return Decimal(r["SpotPrice" if spot else "Price"])


def accelerator(rows, name, count, region, spot):
    r = first(rows, InstanceType="", AcceleratorName=name, AcceleratorCount=str(count), Region=region)
    return Decimal(r["SpotPrice" if spot else "Price"])


def solve_two_shapes(vcpu, gib_a, price_a, gib_b, price_b):
    """Two shapes with the same vCPUs and different memory share one core and one RAM SKU: solve both rates."""
    ram = nanos((price_b - price_a) / (gib_b - gib_a))
    core = nanos((price_a - gib_a * ram) / vcpu)
    return core, ram


def split_by_ratio(vcpu, gib, price, core_to_ram):
    """One shape only: split its price with a known core:RAM price ratio (documented per row)."""
    ram = nanos(price / (vcpu * core_to_ram + gib))
    core = nanos((price - gib * ram) / vcpu)
    return core, ram


def derive():
    sky = skypilot_rows()
    gpuhunt = json.load(open(os.path.join(REFERENCE, "gcp/gpuhunt_tpu_pricing_manual.json")))
    rows = []

    def add(description, group, usage, regions, unit, price, source, derivation="", sku_id=None, service=COMPUTE):
        price = nanos(price)
        rows.append({
            "service": service, "skuId": sku_id or synthetic_id(service, description, usage),
            "description": description, "resourceFamily": "Compute", "resourceGroup": group, "usageType": usage,
            "regions": " ".join(regions), "usageUnit": unit, "price": str(price), "effectiveTime": EFFECTIVE,
            "source": source, "derivation": derivation})

    spot = "Preemptible"
    americas = ["us-central1", "us-east1", "us-west1"]

    # ---- A2 (A100 40GB, A100 80GB) ------------------------------------------------------------------------
    # On-demand core/RAM in the Americas: the verbatim opencost SKUs (written from verbatim-opencost-skus.json).
    a2_core, a2_ram = Decimal("0.031611"), Decimal("0.004237")
    a2_od_check = 12 * a2_core + 85 * a2_ram
    note_od = f"a2-highgpu-1g host 12x{a2_core}+85x{a2_ram}={a2_od_check} vs SkyPilot {host(sky, 'a2-highgpu-1g', 'us-central1', False)}"
    for region, city in [("europe-west4", "Netherlands"), ("asia-southeast1", "Singapore")]:
        for usage in ("OnDemand", spot):
            s = usage == spot
            c, r = solve_two_shapes(12, 85, host(sky, "a2-highgpu-1g", region, s), 170, host(sky, "a2-ultragpu-1g", region, s))
            prefix = "Spot Preemptible " if s else ""
            how = f"solved from SkyPilot a2-highgpu-1g (12 vCPU, 85 GiB) and a2-ultragpu-1g (12, 170) {'spot' if s else 'on-demand'} host prices in {region}"
            add(f"{prefix}A2 Instance Core running in {city}", "CPU", usage, [region], "h", c, SKYPILOT, how)
            add(f"{prefix}A2 Instance Ram running in {city}", "RAM", usage, [region], "GiBy.h", r, SKYPILOT, how)
    c, r = solve_two_shapes(12, 85, host(sky, "a2-highgpu-1g", "us-central1", True), 170, host(sky, "a2-ultragpu-1g", "us-central1", True))
    how = "solved from SkyPilot a2-highgpu-1g and a2-ultragpu-1g spot host prices in us-central1 (same in us-east1, us-west1)"
    add("Spot Preemptible A2 Instance Core running in Americas", "CPU", spot, americas, "h", c, SKYPILOT, how)
    add("Spot Preemptible A2 Instance Ram running in Americas", "RAM", spot, americas, "GiBy.h", r, SKYPILOT, how)
    spot_ratio_us = c / r
    # us-east4 has only the ultragpu shape: split with the Americas core:RAM ratio of the same price kind.
    for usage, ratio in (("OnDemand", a2_core / a2_ram), (spot, spot_ratio_us)):
        s = usage == spot
        c, r = split_by_ratio(12, 170, host(sky, "a2-ultragpu-1g", "us-east4", s), ratio)
        prefix = "Spot Preemptible " if s else ""
        how = f"SkyPilot a2-ultragpu-1g us-east4 host split with the Americas A2 core:RAM ratio {ratio:.4f} (one shape only in us-east4)"
        add(f"{prefix}A2 Instance Core running in Virginia", "CPU", usage, ["us-east4"], "h", c, SKYPILOT, how)
        add(f"{prefix}A2 Instance Ram running in Virginia", "RAM", usage, ["us-east4"], "GiBy.h", r, SKYPILOT, how)

    # A100 40GB: Americas on-demand is the verbatim opencost SKU (2.933908); per GPU = 16-GPU row / 16 elsewhere.
    for region, city in [("europe-west4", "Netherlands"), ("asia-southeast1", "Singapore")]:
        add(f"Nvidia Tesla A100 GPU running in {city}", "GPU", "OnDemand", [region], "h",
            accelerator(sky, "A100", 16, region, False) / 16, SKYPILOT, f"A100 x16 accelerator row / 16 ({region})")
    for region, city, regions in [("us-central1", "Americas", americas), ("europe-west4", "Netherlands", ["europe-west4"]),
                                  ("asia-southeast1", "Singapore", ["asia-southeast1"])]:
        add(f"Nvidia Tesla A100 GPU attached to Spot Preemptible VMs running in {city}", "GPU", spot, regions, "h",
            accelerator(sky, "A100", 16, region, True) / 16, SKYPILOT, f"A100 x16 spot accelerator row / 16 ({region})")

    # Commitments (Americas): Cyclenerd's whole-VM 1y/3y hourly for a2-highgpu-1g us-central1 over its on-demand
    # hourly gives one factor per term; GCP's resource CUDs discount core, RAM and GPU alike, so each component
    # is its on-demand SKU price times that factor.
    od_hour = Decimal("3.673385")  # Cyclenerd a2-highgpu-1g us-central1 'hour' = 0.739477 + 2.933908
    for years, month in ((1, Decimal("1689.3711392")), (3, Decimal("938.56707798"))):
        factor = month / 730 / od_hour
        usage = f"Commit{years}Yr"
        how = f"on-demand SKU x {factor:.6f} = Cyclenerd a2-highgpu-1g us-central1 month_{years}y {month}/730 over hour {od_hour}"
        for body, group, unit, base in (("A2 Cpu", "CPU", "h", a2_core), ("A2 Ram", "RAM", "GiBy.h", a2_ram),
                                        ("Nvidia Tesla A100 GPU", "GPU", "h", Decimal("2.933908"))):
            add(f"Commitment v1: {body} in Americas for {years} Year", group, usage, americas, unit, base * factor, CYCLENERD, how)

    # A100 80GB: per GPU = 8-GPU row / 8.
    for region, city in [("us-central1", "Americas"), ("us-east4", "Virginia"), ("europe-west4", "Netherlands"), ("asia-southeast1", "Singapore")]:
        if region == "us-central1":
            # SkyPilot's A100-80GB x8 row here (14.76958 / 8 = 1.8461975) is the DWS flex-start SKU (1.846198), which
            # its substring matcher also takes for on-demand; the catalog's on-demand SKU is 3.928080.
            add(f"Nvidia Tesla A100 80GB GPU running in {city}", "GPU", "OnDemand", [region], "h", Decimal("3.928080"), A100_80_CATALOG,
                "on-demand SKU as read from the catalog; SkyPilot's 1.8461975 is the DWS SKU")
        else:
            add(f"Nvidia Tesla A100 80GB GPU running in {city}", "GPU", "OnDemand", [region], "h",
                accelerator(sky, "A100-80GB", 8, region, False) / 8, SKYPILOT, f"A100-80GB x8 accelerator row / 8 ({region})")
        add(f"Nvidia Tesla A100 80GB GPU attached to Spot Preemptible VMs running in {city}", "GPU", spot, [region], "h",
            accelerator(sky, "A100-80GB", 8, region, True) / 8, SKYPILOT, f"A100-80GB x8 spot accelerator row / 8 ({region})")

    # ---- A3 High (H100) ------------------------------------------------------------------------------------
    # Every A3 High shape has 9 GiB per vCPU, so SkyPilot's host rows fix only core + 9 x RAM; the split uses the
    # published core:RAM ratio (on-demand: SpareCores fixture of GCP's page; spot: GCP's Spot VMs page).
    od_ratio, spot_ratio = Decimal("0.03222") / Decimal("0.002817"), Decimal("0.0102") / Decimal("0.000888")
    for region, city, regions in [("us-central1", "Americas", ["us-central1", "us-east4"]), ("europe-west4", "Netherlands", ["europe-west4"]),
                                  ("asia-southeast1", "Singapore", ["asia-southeast1"])]:
        c, r = split_by_ratio(26, 234, host(sky, "a3-highgpu-1g", region, False), od_ratio)
        how = f"SkyPilot a3-highgpu-1g on-demand host ({region}; equal in us-east4 where listed) split with core:RAM {od_ratio:.4f}"
        src = f"{SKYPILOT}; ratio {SPARECORES}"
        add(f"A3 Instance Core running in {city}", "CPU", "OnDemand", regions, "h", c, src, how)
        add(f"A3 Instance Ram running in {city}", "RAM", "OnDemand", regions, "GiBy.h", r, src, how)
    for region, city in [("us-central1", "Iowa"), ("us-east4", "Virginia"), ("europe-west4", "Netherlands"), ("asia-southeast1", "Singapore")]:
        c, r = split_by_ratio(26, 234, host(sky, "a3-highgpu-1g", region, True), spot_ratio)
        how = f"SkyPilot a3-highgpu-1g spot host ({region}) split with core:RAM {spot_ratio:.4f}"
        src = f"{SKYPILOT}; ratio {SPOT_PAGE}"
        add(f"Spot Preemptible A3 Instance Core running in {city}", "CPU", spot, [region], "h", c, src, how)
        add(f"Spot Preemptible A3 Instance Ram running in {city}", "RAM", spot, [region], "GiBy.h", r, src, how)
        if region == "us-east4":
            # Trap kept on purpose: us-east4 carries the same SKU twice, once as 'Virginia' and once as
            # 'Northern Virginia' (Cyclenerd pricing.pl skips the second for this reason).
            add("Spot Preemptible A3 Instance Core running in Northern Virginia", "CPU", spot, [region], "h", c,
                f"{src}; duplicate pattern per Cyclenerd/google-cloud-pricing-cost-calculator:build/pricing.pl@08440e74", how + "; duplicated SKU trap")
    # H100: per GPU = 8-GPU row / 8. On-demand differs up to 3x between regions in the source (kept: a trap).
    for region, city in [("us-central1", "Americas"), ("us-east4", "Virginia"), ("europe-west4", "Netherlands"), ("asia-southeast1", "Singapore")]:
        if region == "us-central1":
            # SkyPilot's H100 x8 row here (33.60609) repeats unchanged in eight regions on three continents: another SKU
            # its matcher picks up. The catalog's on-demand Americas SKU is 9.7966 (SkyPilot's us-east4 row agrees: 78.37241 / 8).
            add(f"Nvidia H100 80GB GPU running in {city}", "GPU", "OnDemand", [region], "h", Decimal("9.7966"), H100_CATALOG,
                "on-demand SKU as read from the catalog")
        elif accelerator(sky, "H100", 8, region, False) != Decimal("33.60609"):
            # asia-southeast1 carries the same repeated 33.60609 row: no on-demand H100 price there.
            add(f"Nvidia H100 80GB GPU running in {city}", "GPU", "OnDemand", [region], "h",
                accelerator(sky, "H100", 8, region, False) / 8, SKYPILOT, f"H100 x8 accelerator row / 8 ({region})")
        add(f"Nvidia H100 80GB GPU attached to Spot Preemptible VMs running in {city}", "GPU", spot, [region], "h",
            accelerator(sky, "H100", 8, region, True) / 8, SKYPILOT, f"H100 x8 spot accelerator row / 8 ({region})")

    # ---- A3 Mega (H100 Mega): GPU SKUs only; no A3Plus core/RAM price found -> offers are quarantined ----------
    add("Nvidia H100 80GB Plus GPU running in Americas", "GPU", "OnDemand", ["us-central1"], "h", Decimal("10.344275712"),
        f"{REAL_SKUS}; agrees with {SKYPILOT} H100-MEGA x8 us-central1 82.75421", "verbatim price")
    add("Nvidia H100 80GB Plus GPU attached to Spot Preemptible VMs running in Americas", "GPU", spot, ["us-central1"], "h",
        accelerator(sky, "H100-MEGA", 8, "us-central1", True) / 8, SKYPILOT, "H100-MEGA x8 spot accelerator row / 8 (us-central1)")

    # ---- A3 Ultra (H200) -------------------------------------------------------------------------------------
    add("H200 141GB GPU running in Americas", "GPU", "OnDemand", ["us-central1", "us-east4"], "h", Decimal("9.31174"),
        f"{SKYPILOT} H200 x8 74.49392 / 8 in us-central1 and us-east4; same figure in {REAL_SKUS}", "")
    for region, city in [("us-central1", "Iowa"), ("us-east4", "Virginia"), ("europe-west4", "Netherlands")]:
        add(f"H200 141GB GPU attached to Spot Preemptible VMs running in {city}", "GPU", spot, [region], "h",
            accelerator(sky, "H200", 8, region, True) / 8, SKYPILOT, f"H200 x8 spot accelerator row / 8 ({region})")
    # europe-west4: spot GPU above on-demand GPU in the source (trap); no A3 Ultra host price there.
    add("H200 141GB GPU running in Netherlands", "GPU", "OnDemand", ["europe-west4"], "h",
        accelerator(sky, "H200", 8, "europe-west4", False) / 8, SKYPILOT, "H200 x8 accelerator row / 8 (europe-west4)")
    # Host: the whole-VM instance share (10.4365/GPU) minus the GPU SKU, split with the A3 High core:RAM ratio.
    host_vm = (Decimal("10.4365") - Decimal("9.31174")) * 8
    c, r = split_by_ratio(224, 2952, host_vm, od_ratio)
    how = f"a3-ultragpu-8g host = 8 x (10.4365 - 9.31174) = {host_vm} for 224 vCPU + 2952 GiB, split with A3 core:RAM {od_ratio:.4f}"
    add("A3Ultra Instance Core running in Americas", "CPU", "OnDemand", ["us-central1", "us-east4"], "h", c, f"{TANOD}; ratio {SPARECORES}", how)
    add("A3Ultra Instance Ram running in Americas", "RAM", "OnDemand", ["us-central1", "us-east4"], "GiBy.h", r, f"{TANOD}; ratio {SPARECORES}", how)

    # ---- A4 (B200): the '1 gpu slice' SKU carries the whole VM's price per GPU ---------------------------------
    # SkyPilot's B200 rows are not on-demand prices: 90.216 / 8 = 11.277 is the DWS calendar-mode SKU and 64.44 / 8 =
    # 8.055 the DWS flex-start SKU (both in the catalog capture below); the on-demand SKU is 16.11. Only the catalog's
    # six Americas SKUs are used, in us-central1 (where the capture was taken).
    b200 = "A4 Nvidia B200 (1 gpu slice)"
    add(f"{b200} running in Americas", "GPU", "OnDemand", ["us-central1"], "h", Decimal("16.11"), f"{B200_CATALOG}; same in {H100_CATALOG}")
    add(f"{b200} attached to Spot Preemptible VMs running in Americas", "GPU", spot, ["us-central1"], "h", Decimal("4.9542"), B200_CATALOG)
    add(f"{b200} attached to DWS Defined Duration VMs running in Americas", "GPU", "OnDemand", ["us-central1"], "h", Decimal("8.055"), B200_CATALOG,
        "description after the catalog's DWS pattern ('... attached to DWS Defined Duration VMs running in ...', search-index id 59828608568)")
    add(f"DWS Calendar Mode {b200} running in Americas", "GPU", "OnDemand", ["us-central1"], "h", Decimal("11.277"), B200_CATALOG,
        "description after the catalog's 'DWS Calendar Mode' prefix (search-index id 58711035550)")
    for years, price in ((1, "11.1159"), (3, "7.0884")):
        add(f"Commitment v1: {b200} in Americas for {years} Year", "GPU", f"Commit{years}Yr", ["us-central1"], "h", Decimal(price), B200_CATALOG)

    # ---- DWS flex-start for A2 (A100 40GB and 80GB), us-central1 ----------------------------------------------
    add("DWS Defined Duration A2 Core running in Americas", "CPU", "OnDemand", ["us-central1"], "h", Decimal("0.20868") / 12, A2_DWS,
        "0.20868 for 12 vCPU / 12 (the source prints totals to 5 decimals)")
    add("DWS Defined Duration A2 Ram running in Americas", "RAM", "OnDemand", ["us-central1"], "GiBy.h", Decimal("0.19805") / 85, A2_DWS,
        "0.19805 for 85 GiB / 85 (the source prints totals to 5 decimals)")
    add("Nvidia Tesla A100 GPU attached to DWS Defined Duration VMs running in Americas", "GPU", "OnDemand", ["us-central1"], "h", Decimal("1.61365"), A2_DWS)
    add("Nvidia Tesla A100 80GB GPU attached to DWS Defined Duration VMs running in Americas", "GPU", "OnDemand", ["us-central1"], "h", Decimal("1.846198"), A100_80_CATALOG)

    # ---- G2 (L4), us-central1 on-demand -----------------------------------------------------------------------
    add("G2 Instance Core running in Americas", "CPU", "OnDemand", ["us-central1"], "h", Decimal("0.024988"), G2_EXAMPLE)
    add("G2 Instance Ram running in Americas", "RAM", "OnDemand", ["us-central1"], "GiBy.h", Decimal("0.002927"), G2_EXAMPLE)
    add("Nvidia L4 GPU running in Americas", "GPU", "OnDemand", ["us-central1"], "h",
        accelerator(sky, "L4", 1, "us-central1", False), f"{SKYPILOT} L4 x1 us-central1; same in {G2_EXAMPLE}")

    # ---- N1 + T4 / V100, us-central1 ---------------------------------------------------------------------------
    n1_spot_core = Decimal("0.006655")
    n1_spot_ram = nanos(Decimal("0.004237") * n1_spot_core / Decimal("0.031611"))
    check = f"n1-highmem-8 = 8 x core + 52 x RAM = {8 * Decimal('0.031611') + 52 * Decimal('0.004237')} / spot {8 * n1_spot_core + 52 * n1_spot_ram}, as SkyPilot fetch_gcp.py TPU_V4_HOST_DF (0.473212 / 0.099624)"
    add("N1 Predefined Instance Core running in Americas", "N1Standard", "OnDemand", ["us-central1"], "h", Decimal("0.031611"), AUTOSCALER, check)
    add("N1 Predefined Instance Ram running in Americas", "N1Standard", "OnDemand", ["us-central1"], "GiBy.h", Decimal("0.004237"), AUTOSCALER, check)
    add("Spot Preemptible N1 Predefined Instance Core running in Americas", "N1Standard", spot, ["us-central1"], "h", n1_spot_core, AUTOSCALER, check)
    add("Spot Preemptible N1 Predefined Instance Ram running in Americas", "N1Standard", spot, ["us-central1"], "GiBy.h", n1_spot_ram, AUTOSCALER,
        "RAM = 0.004237 x the N1 preemptible discount 0.006655/0.031611; " + check)
    for gpu, od, sp in (("Nvidia Tesla T4 GPU", "0.35", "0.11"), ("Nvidia Tesla V100 GPU", "2.48", "0.74")):
        add(f"{gpu} running in Americas", "GPU", "OnDemand", ["us-central1"], "h", Decimal(od), AUTOSCALER, "gpuPrices")
        add(f"{gpu} attached to Spot Preemptible VMs running in Americas", "GPU", spot, ["us-central1"], "h", Decimal(sp), AUTOSCALER, "preemptibleGpuPrices")

    # ---- N2 (the CPU family of the quote's data processing, priced per vCPU), us-central1 on demand ----------------
    n2 = f"the autoscaler's predefined 'n2' rates (us-central1); n2-standard-32 = 32 x 0.031611 + 128 x 0.004237 = {32 * Decimal('0.031611') + 128 * Decimal('0.004237')}"
    add("N2 Instance Core running in Americas", "CPU", "OnDemand", ["us-central1"], "h", Decimal("0.031611"), AUTOSCALER, "predefinedCpuPricePerHour; " + n2)
    add("N2 Instance Ram running in Americas", "RAM", "OnDemand", ["us-central1"], "GiBy.h", Decimal("0.004237"), AUTOSCALER, "predefinedMemoryPricePerHourPerGb; " + n2)

    # ---- TPU v5e / v5p / v6e (Compute Engine service, per chip-hour) -----------------------------------------
    def tpu(version, city, regions, od, sp, source, how=""):
        if od is not None:
            add(f"{version} running in {city}", "TPU", "OnDemand", regions, "h", Decimal(str(od)), source, how)
        if sp is not None:
            add(f"{version} attached to Spot Preemptible VMs running in {city}", "TPU", spot, regions, "h", Decimal(str(sp)), source, how)

    v5e, v5p, v6e = gpuhunt["TPU v5e"], gpuhunt["TPU v5p"], gpuhunt["TPU v6e"]
    tpu("TpuV5e", "Americas", ["us-central1", "us-east5", "us-west1", "us-west4"], v5e["us-central1"]["On Demand (USD)"], None, GPUHUNT, "1.20 in all four regions")
    for region, city in [("us-central1", "Iowa"), ("us-west4", "Las Vegas"), ("europe-west4", "Netherlands"), ("asia-southeast1", "Singapore")]:
        tpu("TpuV5e", city, [region], None if region.startswith("us-") else v5e[region]["On Demand (USD)"], v5e[region]["Spot (USD)"], GPUHUNT)
    # Trap kept on purpose: some preemptible TPU SKUs are categorised usageType OnDemand and say "Spot" only in
    # their description (SkyPilot fetch_gcp.py: "'usageType' of preemptible TPUs are 'OnDemand'").
    mislabelled = next(r for r in rows if r["description"] == "TpuV5e attached to Spot Preemptible VMs running in Las Vegas")
    mislabelled["usageType"] = "OnDemand"
    mislabelled["derivation"] = "usageType left OnDemand as the API categorises some preemptible TPU SKUs (skypilot-org/skypilot sky/catalog/data_fetchers/fetch_gcp.py note)"
    rows.append({"service": COMPUTE, "skuId": "04C3-5B71-D137", "description": "TpuV5e running in Delhi", "resourceFamily": "Compute",
                 "resourceGroup": "TPU", "usageType": "OnDemand", "regions": "asia-south2", "usageUnit": "h", "price": "1.441320000",
                 "effectiveTime": EFFECTIVE, "source": TPU_CAPTURE, "derivation": "verbatim SKU id, description and price"})
    tpu("TpuV5p", "Americas", ["us-central1", "us-east1", "us-east5"], v5p["us-east5"]["On Demand (USD)"], None, f"{GPUHUNT}; us-central1 also {SKYPILOT}")
    tpu("TpuV5p", "Columbus", ["us-east5"], None, v5p["us-east5"]["Spot (USD)"], GPUHUNT)
    tpu("TpuV5p", "South Carolina", ["us-east1"], None, v5p["us-east1"]["Spot (USD)"], GPUHUNT)
    chips = 11776 // 2  # v5p-N counts TensorCores, two per chip
    row = first(sky, AcceleratorName="tpu-v5p-11776", Region="us-central1")
    tpu("TpuV5p", "Iowa", ["us-central1"], None, nanos(Decimal(row["SpotPrice"]) / chips), SKYPILOT, "tpu-v5p-11776 spot / 5888 chips")
    row = first(sky, AcceleratorName="tpu-v5p-11776", Region="europe-west4")
    tpu("TpuV5p", "Netherlands", ["europe-west4"], nanos(Decimal(row["Price"]) / chips), nanos(Decimal(row["SpotPrice"]) / chips), SKYPILOT,
        "tpu-v5p-11776 / 5888 chips")
    tpu("TpuV6e", "Americas", ["us-east1", "us-east5"], v6e["us-east1"]["On Demand (USD)"], None, GPUHUNT, "2.70 in both")
    tpu("TpuV6e", "South Carolina", ["us-east1"], None, v6e["us-east1"]["Spot (USD)"], GPUHUNT)
    tpu("TpuV6e", "Netherlands", ["europe-west4"], v6e["europe-west4"]["On Demand (USD)"], v6e["europe-west4"]["Spot (USD)"], GPUHUNT)
    tpu("TpuV6e", "Tokyo", ["asia-northeast1"], v6e["asia-northeast1"]["On Demand (USD)"], v6e["asia-northeast1"]["Spot (USD)"], GPUHUNT)
    row = first(sky, AcceleratorName="tpu-v6e-1", Region="us-central1")
    tpu("TpuV6e", "Iowa", ["us-central1"], row["Price"], row["SpotPrice"], SKYPILOT, "tpu-v6e-1 (one chip)")
    row = first(sky, AcceleratorName="tpu-v6e-1", Region="southamerica-west1")
    # Trap kept on purpose: SkyPilot's 700.0 stands in where no price is known; it must never become a price.
    tpu("TpuV6e", "Santiago", ["southamerica-west1"], row["Price"], row["SpotPrice"], SKYPILOT, "tpu-v6e-1; spot is SkyPilot's 700.0 placeholder")

    # ---- Cloud TPU service ----------------------------------------------------------------------------------
    # TPU v4 per chip-hour (GCP's TPU pricing page as tabulated by gpuhunt). Its preemptible price is above the
    # on-demand one in the source: a real spot-above-on-demand row that must reach the shared validator.
    v4 = gpuhunt["TPU v4 pod"]["us-central2"]
    add("Tpu-v4 Pod running in Oklahoma", "TPU", "OnDemand", ["us-central2"], "h", Decimal(str(v4["On Demand (USD)"])),
        GPUHUNT, "description reconstructed after SkyPilot fetch_gcp.py's matcher ('Tpu-v4', 'Pod')", service=TPU_SERVICE)
    add("Preemptible Tpu-v4 Pod running in Oklahoma", "TPU", "OnDemand", ["us-central2"], "h", Decimal(str(v4["Spot (USD)"])),
        GPUHUNT, "description reconstructed; usageType OnDemand as fetch_gcp.py notes for preemptible TPUs; spot above on-demand in the source", service=TPU_SERVICE)
    # Older generations we do not price (skipped, counted).
    add("Tpu-v3 Pod running in Netherlands", "TPU", "OnDemand", ["europe-west4"], "h", Decimal(str(gpuhunt["TPU v3 pod"]["europe-west4"]["On Demand (USD)"])),
        GPUHUNT, "description reconstructed", service=TPU_SERVICE)
    add("Tpu-v2 running in Taiwan", "TPU", "OnDemand", ["asia-east1"], "h", Decimal(str(gpuhunt["TPU v2 device"]["asia-east1"]["On Demand (USD)"])),
        GPUHUNT, "description reconstructed", service=TPU_SERVICE)

    breadth(rows, add, sky)

    ids = [r["skuId"] for r in rows]
    assert len(ids) == len(set(ids)), "synthetic SKU ids collide"
    with open("sources.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} SKUs -> sources.csv")


# --------------------------------------------------------------------------------------------- breadth

# Google's location names in SKU descriptions ("... running in <city>"); the composer reads serviceRegions, not these.
CITY = {"asia-east1": "Taiwan", "asia-northeast1": "Tokyo", "asia-northeast3": "Seoul", "asia-south1": "Mumbai",
        "asia-south2": "Delhi", "asia-southeast1": "Singapore", "australia-southeast1": "Sydney", "europe-north1": "Finland",
        "europe-west1": "Belgium", "europe-west2": "London", "europe-west3": "Frankfurt", "europe-west4": "Netherlands",
        "europe-west8": "Milan", "europe-west9": "Paris", "me-west1": "Tel Aviv", "northamerica-northeast1": "Montreal",
        "northamerica-northeast2": "Toronto", "southamerica-east1": "Sao Paulo", "southamerica-west1": "Santiago",
        "us-central1": "Iowa", "us-east1": "South Carolina", "us-east4": "Virginia", "us-east5": "Columbus",
        "us-south1": "Dallas", "us-west1": "Oregon", "us-west2": "Los Angeles", "us-west3": "Salt Lake City", "us-west4": "Las Vegas",
        "europe-west6": "Zurich", "me-central2": "Dammam"}
PLACEHOLDER = Decimal("700.0")  # SkyPilot's stand-in where no price is known: never a price


def extract_rows():
    """SkyPilot rows beyond the reference subset, copied verbatim from vms.csv @ 006059e0 (see README)."""
    with open("skypilot-gcp-vms-extract.csv") as f:
        return list(csv.DictReader(f))


def covered(rows):
    """(SKU body, 'od'|'spot', region) already priced by a row, so breadth never adds a second SKU for one part."""
    keys = set()
    for r in rows:
        d = r["description"]
        if d.startswith("Commitment") or "DWS" in d or "Calendar" in d:
            continue
        body = d.split(" running in ")[0]
        kind = "od"
        for marker in ("Spot Preemptible ", "Preemptible "):
            if body.startswith(marker):
                body, kind = body[len(marker):], "spot"
        if body.endswith(" attached to Spot Preemptible VMs"):
            body, kind = body[:-len(" attached to Spot Preemptible VMs")], "spot"
        if r["usageType"] == "Preemptible":
            kind = "spot"
        for region in r["regions"].split():
            keys.add((body, kind, region))
    return keys


def breadth(rows, add, sky):
    """Every further region the SkyPilot catalog prices for A2, A3 High/Edge and TPU v5e/v5p/v6e, plus TPU7x and the
    calendar-mode and commitment TPU SKUs of a verbatim catalog capture. One SKU per part, region and kind."""
    all_rows = sky + extract_rows()
    verbatim_skus = json.load(open("verbatim-opencost-skus.json"))["skus"]
    have = covered(rows + [{"description": v["description"], "usageType": v["category"]["usageType"], "regions": " ".join(v["serviceRegions"])}
                           for v in verbatim_skus])
    spot = "Preemptible"

    def part(body, group, unit, region, kind, price, source, how):
        if (body, kind, region) in have or price is None or price <= 0 or price >= PLACEHOLDER:
            return
        have.add((body, kind, region))
        description = f"{body} running in {CITY[region]}" if kind == "od" else (
            f"Spot Preemptible {body} running in {CITY[region]}" if group in ("CPU", "RAM") else f"{body} attached to Spot Preemptible VMs running in {CITY[region]}")
        add(description, group, "OnDemand" if kind == "od" else spot, [region], unit, price, source, how)

    def regions_of(**match):
        seen = {}
        for r in all_rows:
            if all(r[k] == v for k, v in match.items()):
                seen.setdefault(r["Region"], r)
        return seen

    # A2: hosts from a2-highgpu-1g (12 vCPU, 85 GiB), split with the Americas core:RAM ratios used above.
    od_ratio_a2, spot_ratio_a2 = Decimal("0.031611") / Decimal("0.004237"), Decimal("0.015810000") / Decimal("0.002118000")
    a2_hosts = {region: (85, r) for region, r in regions_of(InstanceType="a2-highgpu-1g").items()}
    for region, r in regions_of(InstanceType="a2-ultragpu-1g").items():
        a2_hosts.setdefault(region, (170, r))
    for region, (gib, r) in sorted(a2_hosts.items()):
        for kind, col, ratio in (("od", "Price", od_ratio_a2), ("spot", "SpotPrice", spot_ratio_a2)):
            c, m = split_by_ratio(12, gib, Decimal(r[col]), ratio)
            how = f"SkyPilot {r['InstanceType']} {region} host {r[col]} (12 vCPU, {gib} GiB) split with the Americas A2 core:RAM ratio {ratio:.4f}"
            part("A2 Instance Core", "CPU", "h", region, kind, c, SKYPILOT, how)
            part("A2 Instance Ram", "RAM", "GiBy.h", region, kind, m, SKYPILOT, how)
    for region, r in regions_of(AcceleratorName="A100", AcceleratorCount="16").items():
        for kind, col in (("od", "Price"), ("spot", "SpotPrice")):
            if r[col]:
                part("Nvidia Tesla A100 GPU", "GPU", "h", region, kind, Decimal(r[col]) / 16, SKYPILOT, f"A100 x16 {col} / 16 ({region})")
    for region, r in regions_of(AcceleratorName="A100-80GB", AcceleratorCount="8").items():
        # Only spot: SkyPilot's A100-80GB 'Price' is the DWS SKU where the catalog was read (us-central1), so it is
        # not taken as an on-demand price in regions the snapshot did not already carry.
        if r["SpotPrice"]:
            part("Nvidia Tesla A100 80GB GPU", "GPU", "h", region, "spot", Decimal(r["SpotPrice"]) / 8, SKYPILOT, f"A100-80GB x8 spot / 8 ({region})")

    # A3 High and A3 Edge bill the same 'A3 Instance Core/Ram' SKUs (SkyPilot's a3-edgegpu-8g host equals a3-highgpu-8g
    # in every region both are listed); hosts split with the A3 core:RAM ratios used above.
    od_ratio_a3, spot_ratio_a3 = Decimal("0.03222") / Decimal("0.002817"), Decimal("0.0102") / Decimal("0.000888")
    hosts = {region: (26, 234, r) for region, r in regions_of(InstanceType="a3-highgpu-1g").items()}
    for region, r in regions_of(InstanceType="a3-edgegpu-8g").items():
        hosts.setdefault(region, (208, 1872, r))
    for region, (vcpu, gib, r) in sorted(hosts.items()):
        for kind, col, ratio, extra in (("od", "Price", od_ratio_a3, SPARECORES), ("spot", "SpotPrice", spot_ratio_a3, SPOT_PAGE)):
            c, m = split_by_ratio(vcpu, gib, Decimal(r[col]), ratio)
            how = f"SkyPilot {r['InstanceType']} {region} host {r[col]} ({vcpu} vCPU, {gib} GiB) split with the A3 core:RAM ratio {ratio:.4f}"
            part("A3 Instance Core", "CPU", "h", region, kind, c, f"{SKYPILOT}; ratio {extra}", how)
            part("A3 Instance Ram", "RAM", "GiBy.h", region, kind, m, f"{SKYPILOT}; ratio {extra}", how)
    repeated = Decimal("33.60609")  # the H100 x8 row SkyPilot repeats in eight regions on three continents: not a regional on-demand SKU
    for region, r in regions_of(AcceleratorName="H100", AcceleratorCount="8").items():
        if region not in hosts:
            continue
        if Decimal(r["Price"]) != repeated:
            part("Nvidia H100 80GB GPU", "GPU", "h", region, "od", Decimal(r["Price"]) / 8, SKYPILOT, f"H100 x8 Price / 8 ({region})")
        if r["SpotPrice"]:
            part("Nvidia H100 80GB GPU", "GPU", "h", region, "spot", Decimal(r["SpotPrice"]) / 8, SKYPILOT, f"H100 x8 SpotPrice / 8 ({region})")

    # G2 (L4): hosts from g2-standard-4 (4 vCPU, 16 GiB), split with the real us-central1 G2 core:RAM SKUs. Every G2 shape
    # has 4 GiB per vCPU, so the split changes no VM price (spot uses the same ratio for that reason); L4 from x1 rows.
    g2_ratio = Decimal("0.024988") / Decimal("0.002927")
    g2_hosts = regions_of(InstanceType="g2-standard-4")
    for region, r in sorted(g2_hosts.items()):
        for kind, col in (("od", "Price"), ("spot", "SpotPrice")):
            c, m = split_by_ratio(4, 16, Decimal(r[col]), g2_ratio)
            how = (f"SkyPilot g2-standard-4 {region} host {r[col]} split with the us-central1 G2 core:RAM ratio {g2_ratio:.4f} "
                   "(every G2 shape has 4 GiB per vCPU, so the split changes no VM price)")
            part("G2 Instance Core", "CPU", "h", region, kind, c, f"{EXTRACT}; ratio {G2_EXAMPLE}", how)
            part("G2 Instance Ram", "RAM", "GiBy.h", region, kind, m, f"{EXTRACT}; ratio {G2_EXAMPLE}", how)
    for region, r in regions_of(AcceleratorName="L4", AcceleratorCount="1").items():
        if region in g2_hosts:
            for kind, col in (("od", "Price"), ("spot", "SpotPrice")):
                if r[col]:
                    part("Nvidia L4 GPU", "GPU", "h", region, kind, Decimal(r[col]), SKYPILOT, f"L4 x1 {col} ({region})")

    # Verbatim SKUs of the 2026-06-14 catalog capture: TPU7x (Ironwood) in the Americas, v5p and v6e on-demand, a v5p
    # calendar-mode reservation SKU and a v5p 3-year commitment whose description keeps 'running in'.
    verbatim = [
        ("0F71-4391-B6CA", "TPU7x running in Americas", "OnDemand", ["us-west1", "us-central1", "us-east1"], "12.000000000"),
        ("082F-763E-B398", "TpuV5p running in Sao Paulo", "OnDemand", ["southamerica-east1"], "6.430995000"),
        ("2549-F208-72FA", "TpuV6e running in Dallas", "OnDemand", ["us-south1"], "2.700000000"),
        ("026F-E6A1-BDBB", "Reserved TpuV5p in Delhi in Calendar Mode", "OnDemand", ["asia-south2"], "2.940000000"),
        ("0115-21ED-7F03", "Commitment v1: TpuV5p running in Netherlands for 3 Years", "Commit3Yr", ["europe-west4"], "1.911000000"),
    ]
    for sku_id, description, usage, regions, price in verbatim:
        if usage == "OnDemand" and " running in " in description:
            # A verbatim SKU wins over a SkyPilot-derived one for the same part and region: added first.
            have.update((description.split(" running in ")[0], "od", region) for region in regions)
        add(description, "TPU", usage, regions, "h", Decimal(price), TPU_CAPTURE_ROWS, "verbatim SKU id, description and price", sku_id=sku_id)

    # A3 Mega bills its host on 'A3Plus Instance Core/Ram' SKUs; SkyPilot's a3-megagpu-8g host equals a3-highgpu-8g's in
    # every region both are listed, so the A3 split (same ratios) is used. GPU from H100-MEGA x8 rows, on-demand only
    # where the figure is not the one SkyPilot repeats across continents (35.39149).
    mega_repeated = Decimal("35.39149")
    mega_hosts = regions_of(InstanceType="a3-megagpu-8g")
    for region, r in sorted(mega_hosts.items()):
        for kind, col, ratio, extra in (("od", "Price", od_ratio_a3, SPARECORES), ("spot", "SpotPrice", spot_ratio_a3, SPOT_PAGE)):
            c, m = split_by_ratio(208, 1872, Decimal(r[col]), ratio)
            how = f"SkyPilot a3-megagpu-8g {region} host {r[col]} (208 vCPU, 1872 GiB; equal to a3-highgpu-8g's) split with the A3 core:RAM ratio {ratio:.4f}"
            part("A3Plus Instance Core", "CPU", "h", region, kind, c, f"{EXTRACT}; ratio {extra}; SKU name per mayocream/gcp-spot-pricing README", how)
            part("A3Plus Instance Ram", "RAM", "GiBy.h", region, kind, m, f"{EXTRACT}; ratio {extra}; SKU name per mayocream/gcp-spot-pricing README", how)
    for region, r in regions_of(AcceleratorName="H100-MEGA", AcceleratorCount="8").items():
        if region not in mega_hosts:
            continue
        for body in ("Nvidia H100 80GB Plus GPU", "Nvidia H100 80GB Mega GPU"):
            if (body, "od", region) in have or (body, "spot", region) in have:
                break
        else:
            body = "Nvidia H100 80GB Mega GPU"
        if r["Price"] and Decimal(r["Price"]) != mega_repeated:
            part(body, "GPU", "h", region, "od", Decimal(r["Price"]) / 8, SKYPILOT, f"H100-MEGA x8 Price / 8 ({region})")
        if r["SpotPrice"]:
            part(body, "GPU", "h", region, "spot", Decimal(r["SpotPrice"]) / 8, SKYPILOT, f"H100-MEGA x8 SpotPrice / 8 ({region})")

    # TPUs, per chip: v5e from tpu-v5litepod-1 (one chip), v6e from tpu-v6e-1, v5p from tpu-v5p-11776 (5888 chips).
    for body, name, chips in (("TpuV5e", "tpu-v5litepod-1", 1), ("TpuV6e", "tpu-v6e-1", 1), ("TpuV5p", "tpu-v5p-11776", 5888)):
        for region, r in regions_of(AcceleratorName=name).items():
            if region not in CITY:
                continue
            for kind, col in (("od", "Price"), ("spot", "SpotPrice")):
                if r[col] and Decimal(r[col]) != PLACEHOLDER:
                    part(body, "TPU", "h", region, kind, nanos(Decimal(r[col]) / chips), SKYPILOT if name != "tpu-v5litepod-1" else EXTRACT,
                         f"{name} {col} / {chips} chip(s) ({region})")

# --------------------------------------------------------------------------------------------- expected breadth

BREADTH_FILE = "../../../tests/Gcp.Pricing.Tests/Data/gcp-breadth-expected.json"
A4X_ZONES = ["us-central1-a", "us-central1-b", "us-east1-d", "us-east4-b", "europe-west4-b"]


def expected_breadth(sky):
    """What the public sources list, per accelerator family: every region and zone SkyPilot's catalog (or a verbatim
    catalog capture) lists for it, and the regions the snapshot must price, which are those minus the exclusions
    written here with their reasons. Derived from the source rows, not from the pages or the composer, so the
    breadth test compares two independent things."""
    rows = sky + extract_rows()
    gpuhunt = json.load(open(os.path.join(REFERENCE, "gcp/gpuhunt_tpu_pricing_manual.json")))

    def listed(**match):
        zones = {}
        for r in rows:
            if all(r[k] == v for k, v in match.items()) and not (r["Price"] and Decimal(r["Price"]) == PLACEHOLDER and (not r["SpotPrice"] or Decimal(r["SpotPrice"]) == PLACEHOLDER)):
                zones.setdefault(r["Region"], set()).add(r["AvailabilityZone"])
        return zones

    def merge(*maps):
        out = {}
        for m in maps:
            for region, zones in m.items():
                out.setdefault(region, set()).update(zones)
        return out

    def family(name, instance_types, accelerator_rows, zones, source, extra_regions=(), excluded=None):
        excluded = excluded or {}
        regions = sorted(set(zones) | set(extra_regions))
        return {"family": name, "instanceTypes": instance_types, "source": source,
                "regionsListed": regions, "zonesListed": sorted(z for zs in zones.values() for z in zs),
                "excluded": [{"region": r, "reason": excluded[r]} for r in sorted(excluded) if r in regions],
                "regionsPriced": sorted(r for r in regions if r not in excluded)}

    sky_src = f"{SKYPILOT} host VM rows and accelerator rows"
    a2 = merge(listed(InstanceType="a2-highgpu-1g"), listed(InstanceType="a2-megagpu-16g"))
    ultra = listed(InstanceType="a2-ultragpu-1g")
    a3 = merge(listed(InstanceType="a3-highgpu-1g"), listed(InstanceType="a3-highgpu-8g"), listed(InstanceType="a3-edgegpu-8g"))
    h100_x8 = set(listed(AcceleratorName="H100", AcceleratorCount="8"))
    mega = listed(InstanceType="a3-megagpu-8g")
    a3u = listed(InstanceType="a3-ultragpu-8g")
    mega_gpu = {r["Region"] for r in rows if r["AcceleratorName"] == "H100-MEGA" and r["AcceleratorCount"] == "8"
                and (r["SpotPrice"] or (r["Price"] and Decimal(r["Price"]) != Decimal("35.39149")))}
    a4 = listed(InstanceType="a4-highgpu-8g")
    l4 = listed(AcceleratorName="L4")
    v5e = listed(AcceleratorName="tpu-v5litepod-1")
    v5p = listed(AcceleratorName="tpu-v5p-11776")
    v6e = listed(AcceleratorName="tpu-v6e-1")
    families = [
        family("A2 (A100 40GB)", ["a2-highgpu-", "a2-megagpu-"], None, a2, sky_src),
        family("A2 Ultra (A100 80GB)", ["a2-ultragpu-"], None, ultra, sky_src),
        family("A3 High and A3 Edge (H100)", ["a3-highgpu-", "a3-edgegpu-"], None, a3, sky_src,
               excluded={r: "no H100 x8 accelerator row in SkyPilot's catalog there (per-GPU prices are taken from x8 rows)" for r in a3 if r not in h100_x8}),
        family("A3 Mega (H100 Mega)", ["a3-megagpu-"], None, mega, sky_src,
               excluded={r: "no usable H100-MEGA x8 row in SkyPilot's catalog there (none, or only the 35.39149 figure it repeats across continents with no spot price)"
                         for r in mega if r not in mega_gpu}),
        family("A3 Ultra (H200)", ["a3-ultragpu-"], None, a3u, f"{sky_src}; {TANOD}",
               excluded={r: "no A3 Ultra host price: the only host figure is the catalog instance share for us-central1 and us-east4 (SkyPilot's host row there, 12.266, disagrees with it and is not decomposed)" for r in a3u if r not in ("us-central1", "us-east4")}),
        family("A4 (B200)", ["a4-highgpu-"], None, a4, f"{sky_src}; {B200_CATALOG}",
               excluded={r: "SkyPilot's B200 rows are DWS SKUs (64.44 / 90.216 per VM), not on-demand; the catalog read covers the Americas SKUs in us-central1 only" for r in a4 if r != "us-central1"}),
        family("A4X (GB200)", ["a4x-highgpu-"], None, {r: {z for z in A4X_ZONES if z.startswith(r + "-")} for r in {z.rsplit("-", 1)[0] for z in A4X_ZONES}},
               "[C] search-index id 59838414060 (machine availability a4x-highgpu-4g: us-central1-a/b, us-east1-d, us-east4-b, europe-west4-b; 'zero SKUs matching GB200 / A4X' in two sweeps of the Compute Engine catalog, 2026-07-30)",
               excluded={r: "no public price: the catalog has no A4X SKU (reservation channel only)" for r in ("us-central1", "us-east1", "us-east4", "europe-west4")}),
        family("G2 (L4)", ["g2-standard-"], None, merge(listed(InstanceType="g2-standard-4"), l4), f"{sky_src}; {G2_EXAMPLE}"),
        family("TPU v5e", ["tpu-v5e"], None, v5e, f"{EXTRACT}; {GPUHUNT}; {TPU_CAPTURE}", extra_regions=["asia-south2"]),
        family("TPU v5p", ["tpu-v5p"], None, v5p, f"{SKYPILOT}; {GPUHUNT}; {TPU_CAPTURE_ROWS}", extra_regions=["southamerica-east1", "asia-south2"]),
        family("TPU v6e", ["tpu-v6e"], None, v6e, f"{SKYPILOT} (700.0 placeholders dropped); {GPUHUNT}; {TPU_CAPTURE_ROWS}", extra_regions=["us-south1"]),
        family("TPU7x (Ironwood)", ["tpu7x"], None, {}, TPU_CAPTURE_ROWS, extra_regions=["us-central1", "us-east1", "us-west1"]),
        family("TPU v4", ["tpu-v4"], None, {}, GPUHUNT, extra_regions=list(gpuhunt["TPU v4 pod"])),
    ]
    body = {"_comment": "Derived by tools/snapshots/gcp/build_snapshot.py (expected_breadth) from the source rows, not from the snapshot pages: per accelerator family, every region and zone the public sources list it in, and the regions the bundled snapshot must price (listed minus the exclusions, each with its reason). Zones are where the family is offered; Cloud Billing prices are regional, so offers carry regions. GcpBreadthTests compares the snapshot with this file.",
            "families": families}
    with open(BREADTH_FILE, "w") as f:
        json.dump(body, f, indent=1)
        f.write("\n")
    print(f"{len(families)} families -> {BREADTH_FILE}")


# --------------------------------------------------------------------------------------------- build

UNITS = {
    "h": {"usageUnitDescription": "hour", "baseUnit": "s", "baseUnitDescription": "second", "baseUnitConversionFactor": 3600},
    "GiBy.h": {"usageUnitDescription": "gibibyte hour", "baseUnit": "By.s", "baseUnitDescription": "byte second",
               "baseUnitConversionFactor": 3865470566400},
}


def sku_json(row):
    price = Decimal(row["price"])
    units = int(price)
    regions = row["regions"].split()
    expression = {"usageUnit": row["usageUnit"], "displayQuantity": 1,
                  "tieredRates": [{"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": str(units),
                                                                        "nanos": int((price - units) * 1_000_000_000)}}]}
    expression.update(UNITS[row["usageUnit"]])
    return {
        "name": f"services/{row['service']}/skus/{row['skuId']}",
        "skuId": row["skuId"],
        "description": row["description"],
        "category": {"serviceDisplayName": SERVICE_NAMES[row["service"]], "resourceFamily": row["resourceFamily"],
                     "resourceGroup": row["resourceGroup"], "usageType": row["usageType"]},
        "serviceRegions": regions,
        "pricingInfo": [{"summary": "", "pricingExpression": expression, "currencyConversionRate": 1, "effectiveTime": row["effectiveTime"]}],
        "serviceProviderName": "Google",
        "geoTaxonomy": {"type": "MULTI_REGIONAL" if len(regions) > 1 else "REGIONAL", "regions": regions},
    }


def page_token(service, index):
    # Opaque like the API's tokens; the snapshot source only checks that the chain is complete.
    return hashlib.sha256(f"{service}:{index}".encode()).hexdigest()[:48].upper()


def build():
    with open("sources.csv") as f:
        rows = list(csv.DictReader(f))
    verbatim = json.load(open("verbatim-opencost-skus.json"))["skus"]
    for name in os.listdir("."):
        if "-page-" in name and name.endswith(".json"):
            os.remove(name)
    for service in (COMPUTE, TPU_SERVICE):
        skus = [sku_json(r) for r in rows if r["service"] == service]
        if service == COMPUTE:
            skus += verbatim
        skus.sort(key=lambda s: s["skuId"])  # the API lists SKUs in skuId order
        size = PAGE_SIZE[service]
        pages = [skus[i:i + size] for i in range(0, len(skus), size)]
        for n, page in enumerate(pages):
            body = {"skus": page, "nextPageToken": page_token(service, n + 1) if n + 1 < len(pages) else ""}
            with open(f"{service}-page-{n + 1:04d}.json", "w") as f:
                json.dump(body, f, indent=2)
                f.write("\n")
        print(f"{service}: {len(skus)} SKUs on {len(pages)} pages")


if __name__ == "__main__":
    args = sys.argv[1:]
    root = REPO
    if "--root" in args:
        i = args.index("--root")
        root = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    if args not in ([], ["derive"]):
        sys.exit(__doc__)
    # Relative paths (sources.csv, the pages, BREADTH_FILE) are the snapshot folder's.
    os.chdir(os.path.join(root, "services", "Gcp.Pricing", "Snapshot"))
    if args == ["derive"]:
        derive()
        expected_breadth(skypilot_rows())
    build()
