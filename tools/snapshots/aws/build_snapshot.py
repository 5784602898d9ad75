#!/usr/bin/env python3
"""Builds the bundled AWS snapshot (offer-index.json, region-index.json, offer-file-<region>.json, spot.js,
savings-plan-region-index.json, savings-plan-<region>.json).

Every price comes from a row of sources.csv, which names the source of that figure. The files are in the
exact formats of the AWS Price List Bulk API and of the EC2 Spot pricing page's feed. From anywhere:

    python3 tools/snapshots/aws/build_snapshot.py           # rebuild the JSON/JS files from sources.csv
    python3 tools/snapshots/aws/build_snapshot.py --derive  # first regenerate sources.csv (and verbatim/) from the
                                                            # reference extracts in reference/ beside this script,
                                                            # then rebuild
    ... --root DIR                                          # read and write DIR/services/Aws.Pricing/Snapshot and
                                                            # DIR/tests/... instead of this repository's (test.sh)

Everything it reads is in the repository: services/Aws.Pricing/Snapshot (sources.csv, verbatim/) and, with --derive,
reference/ (verbatim public files, cited in tools/snapshots/README.md). services/Aws.Pricing/Snapshot/README.md says which
fields are reconstructed.
"""
import csv, hashlib, json, os, sys

# region code -> (location name as the offer files print it, usagetype prefix). The prefixes are AWS's region billing
# codes (docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html; us-east-1 prints none).
# The regions are every region the SkyPilot catalog lists a P3dn/P4d/P4de/P5/P5e/P5en/P6/Trn1/Trn1n/Trn2 or (of the
# G families, read so far) g5.12xlarge, g6.48xlarge or g6e.48xlarge instance in.
REGIONS = {
    "us-east-1": ("US East (N. Virginia)", ""),
    "us-east-2": ("US East (Ohio)", "USE2-"),
    "us-west-1": ("US West (N. California)", "USW1-"),
    "us-west-2": ("US West (Oregon)", "USW2-"),
    "ca-central-1": ("Canada (Central)", "CAN1-"),
    "eu-central-1": ("EU (Frankfurt)", "EUC1-"),
    "eu-north-1": ("EU (Stockholm)", "EUN1-"),
    "eu-south-2": ("EU (Spain)", "EUS2-"),
    "eu-west-1": ("EU (Ireland)", "EU-"),
    "eu-west-2": ("EU (London)", "EUW2-"),
    "eu-west-3": ("EU (Paris)", "EUW3-"),
    "me-central-1": ("Middle East (UAE)", "MEC1-"),
    "ap-northeast-1": ("Asia Pacific (Tokyo)", "APN1-"),
    "ap-northeast-2": ("Asia Pacific (Seoul)", "APN2-"),
    "ap-south-1": ("Asia Pacific (Mumbai)", "APS3-"),
    "ap-southeast-1": ("Asia Pacific (Singapore)", "APS1-"),
    "ap-southeast-2": ("Asia Pacific (Sydney)", "APS2-"),
    "ap-southeast-3": ("Asia Pacific (Jakarta)", "APS4-"),
    "ap-southeast-4": ("Asia Pacific (Melbourne)", "APS6-"),
}
SAVINGS_PLAN_SAMPLE_REGION = "ap-east-2"  # the one real rate file sample (r7g, not accelerated: every rate is skipped)
VERSION = "20261128000000"
PUBLICATION = "2026-11-28T00:00:00Z"
EFFECTIVE = "2026-11-01T00:00:00Z"
ON_DEMAND_TERM = "JRTCKXETXF"   # the real OnDemand offer term code (same for every SKU)
HOURLY_RATE = "6YS6EN2CT7"      # the real rate code of an hourly dimension
DISCLAIMER = ("This pricing list is for informational purposes only. All prices are subject to the additional terms included in the "
              "pricing pages on http://aws.amazon.com. All Free Tier prices are also subject to the terms included at https://aws.amazon.com/free/")
SKYPILOT = "skypilot-org/skypilot-catalog:catalogs/v8/aws/vms.csv@00148f2a"
# The CPU family priced per vCPU for the quote's data processing: c7i rows of a later commit of the same file.
SKYPILOT_C7I = "skypilot-org/skypilot-catalog:catalogs/v8/aws/vms.csv@e385a0d3"
CPU_FAMILY = "c7i"
INSTANCES = {  # instance type -> (vcpu, memory GiB, gpu attribute, instanceFamily); gpu None = attribute absent
    "p3.8xlarge": (32, 244, "4", "GPU instance"), "p3dn.24xlarge": (96, 768, "8", "GPU instance"),
    "p4d.24xlarge": (96, 1152, "8", "GPU instance"), "p4de.24xlarge": (96, 1152, "8", "GPU instance"),
    "p5.48xlarge": (192, 2048, "8", "GPU instance"),
    "p5.4xlarge": (16, 256, "0", "GPU instance"),  # trap: the API reports p5.4xlarge with GPU count 0
    "p5e.48xlarge": (192, 2048, "8", "GPU instance"), "p5en.48xlarge": (192, 2048, "8", "GPU instance"),
    "p6-b200.48xlarge": (192, 2048, "8", "GPU instance"), "p6-b300.48xlarge": (192, 4096, "8", "GPU instance"),
    "g5.xlarge": (4, 16, "1", "GPU instance"), "g6.48xlarge": (192, 768, "8", "GPU instance"),
    "g6e.48xlarge": (192, 1536, "8", "GPU instance"), "g5.12xlarge": (48, 192, "4", "GPU instance"),
    "trn1.2xlarge": (8, 32, None, "Machine Learning ASIC Instances"), "trn1.32xlarge": (128, 512, None, "Machine Learning ASIC Instances"),
    "trn1n.32xlarge": (128, 512, None, "Machine Learning ASIC Instances"), "trn2.48xlarge": (192, 2048, None, "Machine Learning ASIC Instances"),
    "trn2.3xlarge": (12, 128, None, "Machine Learning ASIC Instances"),
    "c7i.8xlarge": (32, 64, None, "Compute optimized"), "c7i.large": (2, 4, None, "Compute optimized"),
}
SOURCES_HEADER = ["file", "region", "instanceType", "row", "price", "sku", "source", "note"]


def synthetic_sku(*parts):
    """A stable 16-character SKU in the API's alphabet for rows whose real SKU was not published."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:16])


def from_reference(ref):
    rows = []
    vms = list(csv.DictReader(open(os.path.join(ref, "skypilot/aws_vms_v8_gpu_subset.csv"))))
    # Every g6.48xlarge and g6e.48xlarge row of the same catalog file and commit, and its g5.12xlarge rows from
    # ap-northeast-1 on (rows of ap-east-1, before them, if any, were not read), read with the search tooling's file
    # reader (the whole file is 3.6 MB); kept in verbatim/ with the GpuInfo column dropped (g6: 8 x L4 22,888 MiB;
    # g6e: 8 x L40S 45,776 MiB; g5: 4 x A10G 22,888 MiB, on every row).
    for name in ("skypilot_g6_48xlarge.csv", "skypilot_g6e_48xlarge.csv", "skypilot_g5_12xlarge.csv"):
        vms += list(csv.DictReader(open(os.path.join("verbatim", name))))
    cpus = list(csv.DictReader(open(os.path.join(ref, "skypilot/aws_vms_v8_c7i_subset.csv"))))
    for region in REGIONS:
        # The CPU rows: on demand only (the quote's data processing reads on-demand vCPU-hours), one price per region.
        for t in sorted({r["InstanceType"] for r in cpus if r["Region"] == region}):
            prices = {r["Price"] for r in cpus if r["Region"] == region and r["InstanceType"] == t}
            assert len(prices) == 1, (region, t, prices)
            rows.append(["offer", region, t, "on_demand", prices.pop(), "", SKYPILOT_C7I,
                         "CPU (c7i), priced per vCPU for the quote's data processing; on demand only"])
        types = sorted({r["InstanceType"] for r in vms if r["Region"] == region and r["InstanceType"] in INSTANCES})
        for t in types:
            azs = [r for r in vms if r["Region"] == region and r["InstanceType"] == t]
            prices = {r["Price"] for r in azs}
            assert len(prices) == 1, (region, t, prices)
            price = prices.pop()
            note = "" if price else "SkyPilot has no on-demand price (spot only): printed as an empty or zero price on purpose"
            rows.append(["offer", region, t, "on_demand", price, "", SKYPILOT, note])
            spots = [r["SpotPrice"] for r in azs if r["SpotPrice"]]
            if spots:
                low = min(spots, key=float)
                rows.append(["spot", region, t, "spot", low.rstrip("0").rstrip("."), "", SKYPILOT,
                             f"lowest of {len(spots)} AZ spot prices (the feed gives the lowest price in the region)"])
            else:
                rows.append(["spot", region, t, "spot", "N/A*", "", SKYPILOT, "no AZ has a spot price: the feed prints N/A*"])
    history = json.load(open(os.path.join(ref, "aws/describe_spot_price_history_m5_large.json")))["SpotPriceHistory"]
    latest = {}
    for h in sorted(history, key=lambda h: h["Timestamp"]):
        latest[h["AvailabilityZone"]] = h["SpotPrice"]
    rows.append(["spot", "us-east-1", "m5.large", "spot", min(latest.values(), key=float).rstrip("0"), "",
                 "aws/amazon-ec2-instance-selector:test/static/DescribeSpotPriceHistory/m5_large.json@74e721cb",
                 "lowest latest AZ price; a non-accelerated type the mapper must skip"])
    # 1-year standard No Upfront Reserved Instance rates (instances.vantage.sh data as published by tsaol/aws-gpu,
    # 'Last updated: 2026-08-26'), for the regions where the snapshot has the type's on-demand product to attach them to.
    priced = {(r[1], r[2]) for r in rows if r[0] == "offer" and r[3] == "on_demand" and r[4]}
    for ri in csv.DictReader(open(os.path.join(ref, "vantage/ri_1y_standard_no_upfront.csv"))):
        if (ri["region"], ri["instanceType"]) in priced:
            rows.append(["offer", ri["region"], ri["instanceType"], "reserved_1y_standard_no_upfront", ri["reserved"], "", ri["source"],
                         "1-yr standard Reserved Instance, No Upfront: the hourly rate, on the type's on-demand product"])
    rows += [
        ["offer", "us-east-1", "p4d.24xlarge", "on_demand_second_sku", "21.95764", "", SKYPILOT + " (us-east-2/us-west-2 printing)",
         "constructed trap: a second us-east-1 SKU printing the same price at 5 places; kept once as duplicate_precision"],
        ["offer", "us-east-1", "p5.48xlarge", "unused_capacity_reservation", "55.04", "", SKYPILOT,
         "reconstructed: an UnusedCapacityReservation row, which AWS bills at the on-demand rate; must be filtered out"],
        ["offer", "us-east-1", "g5.xlarge", "on_demand", "1.006", "",
         "https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/ (us-east-1, June 2026)", ""],
        ["offer", "us-east-1", "p4d.24xlarge", "verbatim_product", "", "H7NGEAC6UEHNTKSJ",
         "opencost/opencost:pkg/cloud/aws/testdata/pricing-us-east-1.json@3ffab9ff", "product attributes verbatim (2024-05 file); its price is SkyPilot's current one"],
        ["offer", "us-east-1", "p4d.24xlarge", "verbatim_capacity_block", "0.0000000000", "YSXJGN78QTXNVGDQ",
         "opencost/opencost:pkg/cloud/aws/testdata/pricing-us-east-1.json@3ffab9ff", "Capacity Block product priced 0.0: must be filtered out, not priced"],
        ["offer", "us-east-1", "m5.large", "verbatim_product_with_reserved", "0.0960000000", "6C86BEPQVG73ZGGR",
         "aws/amazon-ec2-instance-selector:test/static/GetProducts/m5_large.json@74e721cb", "non-accelerated, with real OnDemand and Reserved terms: skipped"],
        ["offer", "us-east-2", "p3.8xlarge", "verbatim_windows_byol", "12.2400000000", "9ZEEN7WWWQKAG292",
         "opencost/opencost:pkg/cloud/aws/testdata/pricing-us-east-2.json@3ffab9ff", "Windows BYOL row: must be filtered out"],
        ["offer", "us-east-2", "", "verbatim_storage", "0.0800000000", "M6UGCCQ3CDJQAA37",
         "opencost/opencost:pkg/cloud/aws/testdata/pricing-us-east-2.json@3ffab9ff", "EBS gp3 (GB-Mo): not a Compute Instance"],
        ["offer", "us-east-2", "", "verbatim_load_balancer", "0.0225000000", "Y9RYMSE644KDSV4S",
         "opencost/opencost:pkg/cloud/aws/testdata/pricing-us-east-2.json@3ffab9ff", "Network Load Balancer: not a Compute Instance"],
        ["index", "", "", "offer_index", "", "", "jtdelia/ec2-priceit:examples/1-global-service-index.json@ae128cc0",
         "AmazonEC2 and two neighbouring entries verbatim, publicationDate moved to the snapshot's"],
        ["index", "", "", "savings_plan_region_index", "", "", "jtdelia/ec2-priceit:examples/4-currentSavingsPlanIndexUrl-list.json@ae128cc0",
         "entries verbatim, cut to the snapshot's regions and the sample's"],
    ]
    sample = list(csv.reader(open(os.path.join(ref, "aws/savingsplan_ap-east-2_sample.csv"))))
    header = sample[5]
    for line in sample[6:]:
        if len(line) != len(header):
            continue
        r = dict(zip(header, line))
        rows.append(["savings_plan", SAVINGS_PLAN_SAMPLE_REGION, r["DiscountedInstanceType"], "savings_plan_rate", r["DiscountedRate"],
                     r["SKU"], "jtdelia/ec2-priceit:examples/5-ap-east-2-savingsplan-pricing.csv@ae128cc0",
                     "verbatim rate (CSV row turned into the JSON rate file's fields): " + "|".join(
                         [r["RateCode"], r["DiscountedSKU"], r["DiscountedUsageType"], r["DiscountedOperation"], r["EffectiveDate"]])])
    with open("sources.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(SOURCES_HEADER)
        w.writerows(rows)
    with open(os.path.join(ref, "aws/offers_v1_aws_index_2025-09-12.json")) as f:
        index = json.load(f)
    keep = {k: index["offers"][k] for k in ("AmazonEC2", "AmazonECR", "AmazonECS") if k in index["offers"]}
    with open("offer-index.json", "w") as f:
        json.dump({"formatVersion": index["formatVersion"], "disclaimer": index["disclaimer"], "publicationDate": PUBLICATION,
                   "offers": keep}, f, indent=2)
        f.write("\n")
    index = json.load(open(os.path.join(ref, "aws/savingsplan_region_index.json")))
    keep = set(REGIONS) | {SAVINGS_PLAN_SAMPLE_REGION}
    with open("verbatim/savingsplan_region_index.json", "w") as f:
        json.dump({k: index[k] for k in ("disclaimer", "publicationDate")} | {"regions": [r for r in index["regions"] if r["regionCode"] in keep]}, f, indent=2)
        f.write("\n")
    with open("verbatim/savingsplan_ap-east-2_sample.csv", "w") as f:
        f.write(open(os.path.join(ref, "aws/savingsplan_ap-east-2_sample.csv")).read())
    m5 = json.load(open(os.path.join(ref, "aws/getproducts_pricelist_item_m5_large.json")))
    os.makedirs("verbatim", exist_ok=True)
    with open("verbatim/getproducts_m5_large_us-east-1.json", "w") as f:
        json.dump(m5, f, indent=2)
        f.write("\n")


def compute_product(sku, region, instance_type, capacity="Used", os_name="Linux", licence="No License required", operation="RunInstances"):
    location, prefix = REGIONS[region]
    vcpu, memory, gpu, family = INSTANCES[instance_type]
    usage = ("UnusedBox:" if capacity == "UnusedCapacityReservation" else "BoxUsage:") + instance_type
    attributes = {
        "servicecode": "AmazonEC2", "location": location, "locationType": "AWS Region", "instanceType": instance_type,
        "currentGeneration": "Yes", "instanceFamily": family, "vcpu": str(vcpu), "memory": f"{memory} GiB",
        "tenancy": "Shared", "operatingSystem": os_name, "licenseModel": licence, "usagetype": prefix + usage,
        "operation": operation, "availabilityzone": "NA", "capacitystatus": capacity,
    }
    if gpu is not None:
        attributes["gpu"] = gpu
        attributes["gpuMemory"] = "NA"
    attributes.update({"marketoption": "OnDemand", "preInstalledSw": "NA", "regionCode": region, "servicename": "Amazon Elastic Compute Cloud"})
    return {"sku": sku, "productFamily": "Compute Instance", "attributes": attributes}


def on_demand_term(sku, price, description, effective=EFFECTIVE):
    return {f"{sku}.{ON_DEMAND_TERM}": {
        "offerTermCode": ON_DEMAND_TERM, "sku": sku, "effectiveDate": effective,
        "priceDimensions": {f"{sku}.{ON_DEMAND_TERM}.{HOURLY_RATE}": {
            "rateCode": f"{sku}.{ON_DEMAND_TERM}.{HOURLY_RATE}", "description": description,
            "beginRange": "0", "endRange": "Inf", "unit": "Hrs", "pricePerUnit": {"USD": price}, "appliesTo": []}},
        "termAttributes": {}}}


def reserved_term(sku, price, description, effective=EFFECTIVE):
    """A 1-year standard No Upfront Reserved term, shaped as the verbatim m5.large one (offer term code 4NA7Y494T4)."""
    code = "4NA7Y494T4"
    return {f"{sku}.{code}": {
        "priceDimensions": {f"{sku}.{code}.{HOURLY_RATE}": {
            "unit": "Hrs", "endRange": "Inf", "description": description, "appliesTo": [],
            "rateCode": f"{sku}.{code}.{HOURLY_RATE}", "beginRange": "0", "pricePerUnit": {"USD": price}}},
        "sku": sku, "effectiveDate": effective, "offerTermCode": code,
        "termAttributes": {"LeaseContractLength": "1yr", "OfferingClass": "standard", "PurchaseOption": "No Upfront"}}}


def padded(price):
    """The offer files print every price with 10 decimal places."""
    if price == "":
        return ""
    whole, _, frac = price.partition(".")
    return f"{whole}.{(frac + '0' * 10)[:10]}"


def build():
    rows = list(csv.DictReader(open("sources.csv")))
    files = {region: {"products": {}, "OnDemand": {}, "Reserved": {}} for region in REGIONS}
    for r in rows:
        if r["file"] != "offer":
            continue
        region, t, kind, price = r["region"], r["instanceType"], r["row"], r["price"]
        f = files[region]
        if kind == "on_demand":
            sku = r["sku"] or synthetic_sku(region, t, "linux-shared-used")
            if t == "p4d.24xlarge" and region == "us-east-1":
                continue  # priced on the verbatim product below
            f["products"][sku] = compute_product(sku, region, t)
            text = padded(price) if price else ("" if t.startswith("trn2") else "0.0000000000")
            f["OnDemand"][sku] = on_demand_term(sku, text, f"${price or '0.00'} per On Demand Linux {t} Instance Hour")
        elif kind == "verbatim_product":  # p4d us-east-1: real product, current price from SkyPilot
            od = next(x for x in rows if x["file"] == "offer" and x["region"] == region and x["instanceType"] == t and x["row"] == "on_demand")
            product = compute_product(r["sku"], region, t)
            product["attributes"].update({"physicalProcessor": "Intel Xeon Platinum 8275L", "clockSpeed": "3 GHz", "storage": "8 x 1000 SSD",
                                          "networkPerformance": "400 Gigabit", "processorArchitecture": "64-bit", "dedicatedEbsThroughput": "19000 Mbps",
                                          "ecu": "345", "normalizationSizeFactor": "192", "usagetype": "BoxUsage:p4d.24xlarge"})
            f["products"][r["sku"]] = product
            f["OnDemand"][r["sku"]] = on_demand_term(r["sku"], padded(od["price"]), f"${od['price']} per On Demand Linux {t} Instance Hour")
        elif kind == "reserved_1y_standard_no_upfront":
            sku = "H7NGEAC6UEHNTKSJ" if (t, region) == ("p4d.24xlarge", "us-east-1") else synthetic_sku(region, t, "linux-shared-used")
            f["Reserved"][sku] = reserved_term(sku, padded(price), f"Linux/UNIX (Amazon VPC), {t} reserved instance applied")
        elif kind == "verbatim_capacity_block":
            product = compute_product(r["sku"], region, t, operation="RunInstances:CB")
            product["attributes"]["marketoption"] = "CapacityBlock"
            f["products"][r["sku"]] = product
            f["OnDemand"][r["sku"]] = on_demand_term(r["sku"], price, f"$0.00 per Capacity Block Linux {t} Instance Hour", "2024-05-01T00:00:00Z")
        elif kind == "on_demand_second_sku":
            sku = synthetic_sku(region, t, "second-printing")
            f["products"][sku] = compute_product(sku, region, t)
            f["OnDemand"][sku] = on_demand_term(sku, padded(price), f"${price} per On Demand Linux {t} Instance Hour")
        elif kind == "unused_capacity_reservation":
            sku = synthetic_sku(region, t, "unused-capacity-reservation")
            f["products"][sku] = compute_product(sku, region, t, capacity="UnusedCapacityReservation")
            f["OnDemand"][sku] = on_demand_term(sku, padded(price), f"${price} per Unused Reservation Linux {t} Instance Hour")
        elif kind == "verbatim_product_with_reserved":
            item = json.load(open("verbatim/getproducts_m5_large_us-east-1.json"))
            f["products"][r["sku"]] = {"sku": item["product"]["sku"], "productFamily": item["product"]["productFamily"],
                                       "attributes": item["product"]["attributes"]}
            f["OnDemand"][r["sku"]] = item["terms"]["OnDemand"]
            f["Reserved"][r["sku"]] = item["terms"]["Reserved"]
        elif kind in ("verbatim_windows_byol", "verbatim_storage", "verbatim_load_balancer"):
            f["products"][r["sku"]], f["OnDemand"][r["sku"]] = VERBATIM_US_EAST_2[r["sku"]]
    for region, f in files.items():
        doc = {"formatVersion": "v1.0", "disclaimer": DISCLAIMER, "offerCode": "AmazonEC2", "version": VERSION,
               "publicationDate": PUBLICATION, "products": f["products"],
               "terms": {"OnDemand": f["OnDemand"], "Reserved": f["Reserved"]}, "attributesList": {}}
        with open(f"offer-file-{region}.json", "w") as out:
            json.dump(doc, out, indent=2)
            out.write("\n")
    with open("region-index.json", "w") as out:
        json.dump({"formatVersion": "v1.0", "disclaimer": DISCLAIMER, "publicationDate": PUBLICATION,
                   "regions": {region: {"regionCode": region, "currentVersionUrl": f"/offers/v1.0/aws/AmazonEC2/{VERSION}/{region}/index.json"}
                               for region in REGIONS}}, out, indent=2)
        out.write("\n")
    spot_regions = {}
    for r in rows:
        if r["file"] == "spot":
            spot_regions.setdefault(r["region"], []).append(r)
    feed = {"vers": 0.01, "config": {"rate": "perhr", "valueColumns": ["linux", "mswin"], "currencies": ["USD"], "regions": [
        {"region": region, "footnotes": {"*": "notAvailableForCCorCGPU"}, "instanceTypes": [
            {"type": "generalCurrentGen", "sizes": [size(r) for r in entries if not is_accelerated(r["instanceType"])]},
            {"type": "gpuCurrentGen", "sizes": [size(r) for r in entries if is_accelerated(r["instanceType"])]},
        ]} for region, entries in spot_regions.items()]}}
    for region in feed["config"]["regions"]:
        region["instanceTypes"] = [g for g in region["instanceTypes"] if g["sizes"]]
    with open("spot.js", "w") as out:
        out.write("callback(" + json.dumps(feed, separators=(",", ":")) + ");\n")
    build_savings_plans()
    build_breadth_expectation(rows)
    print(f"{sum(len(f['products']) for f in files.values())} products in {len(files)} offer files; "
          f"{sum(len(v) for v in spot_regions.values())} spot prices in {len(spot_regions)} regions")


def build_savings_plans():
    """The Savings Plans region index (verbatim entries) and the one recorded rate file, in the JSON format of the AWS
    Billing guide's 'Reading the service price list file for a Savings Plan', built from the sample CSV's rows."""
    index = json.load(open("verbatim/savingsplan_region_index.json"))
    # Listed: the regions whose rate file is recorded here. Real indexes list every region; a scraped region missing
    # from it simply has no savings plan offers (the sources note it), so the HTTP path reads what the snapshot holds.
    index["regions"] = [r for r in index["regions"] if r["regionCode"] == SAVINGS_PLAN_SAMPLE_REGION]
    with open("savings-plan-region-index.json", "w") as out:
        json.dump(index, out, indent=2)
        out.write("\n")
    sample = list(csv.reader(open("verbatim/savingsplan_ap-east-2_sample.csv")))
    meta = {line[0]: line[1] for line in sample[:5]}
    header = sample[5]
    rates = [dict(zip(header, line)) for line in sample[6:] if len(line) == len(header)]
    products, terms = {}, {}
    for r in rates:
        products.setdefault(r["SKU"], {
            "sku": r["SKU"], "productFamily": r["Product Family"], "serviceCode": r["ServiceCode"], "usageType": r["UsageType"],
            "operation": r["Operation"], "attributes": {
                "purchaseOption": r["PurchaseOption"], "granularity": r["Granularity"], "instanceType": r["Instance Family"],
                "locationType": r["Location Type"], "location": r["Location"]}})
        term = terms.setdefault(r["SKU"], {
            "sku": r["SKU"], "description": r["Description"], "effectiveDate": r["EffectiveDate"],
            "leaseContractLength": {"duration": int(r["LeaseContractLength"]), "unit": r["LeaseContractLengthUnit"]}, "rates": []})
        term["rates"].append({
            "discountedSku": r["DiscountedSKU"], "discountedUsageType": r["DiscountedUsageType"], "discountedOperation": r["DiscountedOperation"],
            "discountedServiceCode": r["DiscountedServiceCode"], "rateCode": r["RateCode"], "unit": r["Unit"],
            "discountedRate": {"price": r["DiscountedRate"], "currency": r["Currency"]}})
    doc = {"version": meta["Version"], "publicationDate": meta["Publication Date"], "regionCode": SAVINGS_PLAN_SAMPLE_REGION,
           "products": list(products.values()), "terms": {"savingsPlan": list(terms.values())}}
    with open(f"savings-plan-{SAVINGS_PLAN_SAMPLE_REGION}.json", "w") as out:
        json.dump(doc, out, indent=2)
        out.write("\n")


BREADTH_FILE = os.path.join("..", "..", "..", "tests", "Aws.Pricing.Tests", "Data", "aws-breadth-expected.json")


def build_breadth_expectation(rows):
    """The breadth test's expected list, derived from the sources (sources.csv), not from the built files: every region
    and, per region, every accelerated instance family with at least one positive on-demand or spot price cited."""
    expected = {}
    for r in rows:
        if r["file"] not in ("offer", "spot") or r["row"] not in ("on_demand", "spot") or not is_accelerated(r["instanceType"]):
            continue
        try:
            if float(r["price"]) <= 0:
                continue
        except ValueError:
            continue  # an empty, zero or N/A* price is a trap row, never an offer
        expected.setdefault(r["region"], set()).add(r["instanceType"].split(".")[0])
    doc = {"_comment": "Derived by tools/snapshots/aws/build_snapshot.py from services/Aws.Pricing/Snapshot/sources.csv (the citation of every price: the "
                       "SkyPilot AWS catalog catalogs/v8/aws/vms.csv @ 00148f2a, one article row for g5): every region, and per region every "
                       "accelerated instance family (the part of the instance type before the dot) with at least one positive on-demand or spot "
                       "price. Empty, zero and N/A* prices are left out: they are the traps the snapshot quarantines. Regenerated with the snapshot.",
           "source": "services/Aws.Pricing/Snapshot/sources.csv",
           "regions": {region: sorted(families) for region, families in sorted(expected.items())}}
    os.makedirs(os.path.dirname(BREADTH_FILE), exist_ok=True)
    with open(BREADTH_FILE, "w") as out:
        json.dump(doc, out, indent=2)
        out.write("\n")


def is_accelerated(t):
    return not t.startswith("m5.") and not t.startswith(CPU_FAMILY + ".")


def size(r):
    return {"size": r["instanceType"], "valueColumns": [{"name": "linux", "prices": {"USD": r["price"]}}, {"name": "mswin", "prices": {"USD": "N/A*"}}]}


# Verbatim from opencost/opencost pkg/cloud/aws/testdata/pricing-us-east-2.json @ 3ffab9ff (a 2023-03 offer file excerpt).
VERBATIM_US_EAST_2 = {
    "9ZEEN7WWWQKAG292": (
        {"sku": "9ZEEN7WWWQKAG292", "productFamily": "Compute Instance", "attributes": {
            "servicecode": "AmazonEC2", "location": "US East (Ohio)", "locationType": "AWS Region", "instanceType": "p3.8xlarge",
            "currentGeneration": "Yes", "instanceFamily": "GPU instance", "vcpu": "32", "physicalProcessor": "Intel Xeon E5-2686 v4 (Broadwell)",
            "clockSpeed": "2.3 GHz", "memory": "244 GiB", "storage": "EBS only", "networkPerformance": "10 Gigabit", "processorArchitecture": "64-bit",
            "tenancy": "Shared", "operatingSystem": "Windows", "licenseModel": "Bring your own license", "usagetype": "USE2-BoxUsage:p3.8xlarge",
            "operation": "RunInstances:0800", "availabilityzone": "NA", "capacitystatus": "Used", "classicnetworkingsupport": "false",
            "dedicatedEbsThroughput": "7000 Mbps", "ecu": "97", "enhancedNetworkingSupported": "Yes", "gpu": "4", "gpuMemory": "NA",
            "intelAvxAvailable": "Yes", "intelAvx2Available": "Yes", "intelTurboAvailable": "Yes", "marketoption": "OnDemand",
            "normalizationSizeFactor": "64", "preInstalledSw": "NA", "processorFeatures": "Intel AVX; Intel AVX2; Intel Turbo",
            "regionCode": "us-east-2", "servicename": "Amazon Elastic Compute Cloud", "vpcnetworkingsupport": "true"}},
        on_demand_term("9ZEEN7WWWQKAG292", "12.2400000000", "$12.24 per On Demand Windows BYOL p3.8xlarge Instance Hour", "2023-03-01T00:00:00Z")),
    "M6UGCCQ3CDJQAA37": (
        {"sku": "M6UGCCQ3CDJQAA37", "productFamily": "Storage", "attributes": {
            "servicecode": "AmazonEC2", "location": "US East (Ohio)", "locationType": "AWS Region", "storageMedia": "SSD-backed",
            "volumeType": "General Purpose", "maxVolumeSize": "16 TiB", "maxIopsvolume": "16000", "maxThroughputvolume": "1000 MiB/s",
            "usagetype": "USE2-EBS:VolumeUsage.gp3", "operation": "", "regionCode": "us-east-2", "servicename": "Amazon Elastic Compute Cloud",
            "volumeApiName": "gp3"}},
        {"M6UGCCQ3CDJQAA37.JRTCKXETXF": {
            "offerTermCode": "JRTCKXETXF", "sku": "M6UGCCQ3CDJQAA37", "effectiveDate": "2023-03-01T00:00:00Z",
            "priceDimensions": {"M6UGCCQ3CDJQAA37.JRTCKXETXF.6YS6EN2CT7": {
                "rateCode": "M6UGCCQ3CDJQAA37.JRTCKXETXF.6YS6EN2CT7",
                "description": "$0.08 per GB-month of General Purpose (gp3) provisioned storage - US East (Ohio)",
                "beginRange": "0", "endRange": "Inf", "unit": "GB-Mo", "pricePerUnit": {"USD": "0.0800000000"}, "appliesTo": []}},
            "termAttributes": {}}}),
    "Y9RYMSE644KDSV4S": (
        {"sku": "Y9RYMSE644KDSV4S", "productFamily": "Load Balancer-Network", "attributes": {
            "servicecode": "AmazonEC2", "location": "US East (Ohio)", "locationType": "AWS Region", "group": "ELB:Balancer",
            "groupDescription": "LoadBalancer hourly usage by Network Load Balancer", "usagetype": "USE2-LoadBalancerUsage",
            "operation": "LoadBalancing:Network", "regionCode": "us-east-2", "servicename": "Amazon Elastic Compute Cloud"}},
        {"Y9RYMSE644KDSV4S.JRTCKXETXF": {
            "offerTermCode": "JRTCKXETXF", "sku": "Y9RYMSE644KDSV4S", "effectiveDate": "2024-05-01T00:00:00Z",
            "priceDimensions": {"Y9RYMSE644KDSV4S.JRTCKXETXF.6YS6EN2CT7": {
                "rateCode": "Y9RYMSE644KDSV4S.JRTCKXETXF.6YS6EN2CT7", "description": "$0.0225 per Network LoadBalancer-hour (or partial hour)",
                "beginRange": "0", "endRange": "Inf", "unit": "Hrs", "pricePerUnit": {"USD": "0.0225000000"}, "appliesTo": []}},
            "termAttributes": {}}}),
}

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

if __name__ == "__main__":
    args = sys.argv[1:]
    derive = "--derive" in args
    args = [a for a in args if a != "--derive"]
    root = REPO
    if args[:1] == ["--root"] and len(args) == 2:
        root = os.path.abspath(args[1])
    elif args:
        sys.exit(__doc__)
    # Relative paths below (sources.csv, verbatim/, BREADTH_FILE) are the snapshot folder's.
    os.chdir(os.path.join(root, "services", "Aws.Pricing", "Snapshot"))
    if derive:
        from_reference(os.path.join(HERE, "reference"))
    build()
