"""factory_boy factories for building evaluations that are not seed tables."""

from decimal import Decimal

import factory

from departments.models import Department, User
from projects.models import BudgetProject, Evaluation, Indicator, IndicatorCategory

PASSWORD = "a-long-test-password-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password(PASSWORD)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"TEST-{n:04d}")
    name = factory.Sequence(lambda n: f"测试区第{n}测试中心")
    short_name = factory.LazyAttribute(lambda o: o.name[:10])
    region = "测试市测试区"


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    department = factory.SubFactory(DepartmentFactory)
    year = 2024


class BudgetProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetProject

    evaluation = factory.SubFactory(EvaluationFactory)
    seq = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"测试项目{n}")
    budget_general = Decimal("100.00")
    budget_fund = Decimal("0.00")
    budget_other = Decimal("0.00")
    actual_general = Decimal("95.00")
    actual_fund = Decimal("0.00")
    actual_other = Decimal("0.00")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    project = factory.SubFactory(BudgetProjectFactory)
    level2 = factory.LazyFunction(lambda: IndicatorCategory.objects.get(code="11"))
    level1 = factory.LazyAttribute(lambda o: o.level2.parent)
    name = "培训人数"
    annual_value = "≥100人"
    actual_value = "120人"
