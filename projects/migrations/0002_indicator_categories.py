"""The 一级/二级 indicator code table (domain-spec §4), kept as data.

Printed labels follow the Guangzhou target table (`21-经济效益`, without 指标);
names follow the self-evaluation tables. 成本指标 as a 一级 (code 4) is the newer
central framework (财预〔2021〕101号); its 二级 codes 41–43 are our assumption.
"""

from django.db import migrations

from projects.categories import LEVEL1, LEVEL2, ensure_categories


def load(apps, schema_editor):
    ensure_categories(apps.get_model("projects", "IndicatorCategory"))


def unload(apps, schema_editor):
    apps.get_model("projects", "IndicatorCategory").objects.filter(
        code__in=[row[0] for row in LEVEL1 + LEVEL2]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
