"""python manage.py seed_demo — load the seed tables and the demo users."""

from django.core.management.base import BaseCommand

from publishing.seeding import seed_all


class Command(BaseCommand):
    help = "载入五张公开的种子表格、部门与演示用户（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="不创建演示用户")
        parser.add_argument(
            "--replace", action="store_true", help="删除已载入的种子表格后重新载入"
        )

    def handle(self, *args, no_users: bool, replace: bool, **options):
        report = seed_all(with_users=not no_users, replace=replace)
        for name in report.loaded:
            self.stdout.write(f"已载入 {name}")
        for name in report.skipped:
            self.stdout.write(f"已存在，跳过 {name}")
        for code in report.seals:
            self.stdout.write(f"已为部门 {code} 生成演示公章图片")
        if report.users:
            self.stdout.write("演示用户（仅供本机试用）：")
            for user in report.users:
                self.stdout.write(
                    f"  {user['full_name']}: 用户名 {user['username']} "
                    f"密码 {user['password']}"
                )
