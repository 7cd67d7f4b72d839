"""The 一级/二级 indicator code table (domain-spec §4), kept as data.

Printed labels follow the Guangzhou target table (`21-经济效益`, without 指标);
names follow the self-evaluation tables. 成本指标 as a 一级 (code 4) is the newer
central framework (财预〔2021〕101号); its 二级 codes 41–43 are our assumption.
"""

LEVEL1 = [
    ("1", "产出指标", "产出指标", 1),
    ("2", "效益指标", "效益指标", 2),
    ("3", "满意度指标", "满意度指标", 3),
    ("4", "成本指标", "成本指标", 4),
]
LEVEL2 = [
    ("11", "数量指标", "数量指标", "1", 11),
    ("12", "质量指标", "质量指标", "1", 12),
    ("13", "时效指标", "时效指标", "1", 13),
    ("14", "成本指标", "成本指标", "1", 14),
    ("21", "经济效益指标", "经济效益", "2", 21),
    ("22", "社会效益指标", "社会效益", "2", 22),
    ("23", "生态效益指标", "生态效益", "2", 23),
    ("24", "可持续影响指标", "可持续影响", "2", 24),
    ("31", "服务对象满意度指标", "服务对象满意度", "3", 31),
    ("41", "经济成本指标", "经济成本指标", "4", 41),
    ("42", "社会成本指标", "社会成本指标", "4", 42),
    ("43", "生态环境成本指标", "生态环境成本指标", "4", 43),
]


def ensure_categories(Category=None) -> None:
    """Create or update the code table (idempotent; used by the migration and
    after test flushes)."""
    if Category is None:
        from projects.models import IndicatorCategory as Category
    parents = {}
    for code, name, label, order in LEVEL1:
        parents[code], _ = Category.objects.update_or_create(
            code=code,
            defaults={"name": name, "printed_label": label, "level": 1, "order": order},
        )
    for code, name, label, parent, order in LEVEL2:
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "printed_label": label,
                "level": 2,
                "parent": parents[parent],
                "order": order,
            },
        )
