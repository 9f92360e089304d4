"""Texts of the sign-in: the form, the provider buttons, refusals, the sidebar's account line."""

TEXTS = {
    "signin.title": {"zh": "登录 CRM 洞察", "en": "Sign in to CRM Insight"},
    "signin.intro": {"zh": "登录后你将看到你的角色可见的数据：管理员看全部，经理看本部门及下级，销售看自己的客户。",
                     "en": "Once signed in you see what your role allows: an admin everything, a manager their "
                           "department and its sub-teams, a rep their own customers."},
    "signin.with_sso": {"zh": "使用公司账号登录", "en": "Sign in with your company account"},
    "signin.with_provider": {"zh": "使用 {provider} 账号登录", "en": "Sign in with {provider}"},
    "signin.name": {"zh": "用户名", "en": "User name"},
    "signin.password": {"zh": "密码", "en": "Password"},
    "signin.submit": {"zh": "登录", "en": "Sign in"},
    "signin.wrong": {"zh": "用户名或密码不正确。", "en": "Wrong user name or password."},
    "signin.locked": {"zh": "该用户名的密码错误次数过多，请 {minutes} 分钟后再试，或请管理员重设密码。",
                      "en": "Too many wrong passwords for this user name; try again in {minutes} minutes, or ask "
                            "an admin to reset the password."},
    "signin.sign_out": {"zh": "退出登录", "en": "Sign out"},
    "signin.as": {"zh": "已登录：{name}（{role}）", "en": "Signed in as {name} ({role})"},
    "signin.role.admin": {"zh": "管理员", "en": "admin"},
    "signin.role.manager": {"zh": "经理", "en": "manager"},
    "signin.role.rep": {"zh": "销售", "en": "sales rep"},
    "signin.admins_only": {"zh": "只有管理员可以使用此页面（导入数据、设置）。如需导入，请联系管理员。",
                           "en": "Only admins may use this page (importing data, settings). Ask an admin to import for you."},
    "signin.no_data": {"zh": "还没有你可以查看的数据：你负责的客户、跟进和商机导入后会显示在这里。",
                       "en": "Nothing for you to see yet: your customers, follow-ups and deals show here once they are imported."},
    "signin.users_file_broken": {"zh": "登录配置有误（用户文件无法读取），暂时无人可以登录。请联系管理员查看服务器日志。",
                                 "en": "Sign-in is misconfigured (the users file cannot be read), so nobody can sign in "
                                       "for now. Ask an admin to look at the server's log."},
    "signin.refused.unknown_employee": {
        "zh": "你的账号对应的员工 {employee} 不在数据中，因此没有可查看的内容。请联系管理员。",
        "en": "Your account belongs to employee {employee}, who is not in the data, so there is nothing you may see. "
              "Ask an admin."},
    "signin.refused.removed_user": {
        "zh": "账号 {name} 已不在用户文件中，因此没有可查看的内容。请联系管理员。",
        "en": "The account {name} is no longer in the users file, so there is nothing you may see. Ask an admin."},
    "signin.refused.inactive": {
        "zh": "员工 {name}（{employee}）已被标记为停用，因此没有可查看的内容。请联系管理员。",
        "en": "Employee {name} ({employee}) is marked inactive, so there is nothing you may see. Ask an admin."},
    "signin.refused.no_email": {
        "zh": "登录服务没有提供电子邮箱，无法确定你是哪位员工。请联系管理员。",
        "en": "The sign-in service gave no e-mail address, so we cannot tell which employee you are. Ask an admin."},
    "signin.refused.unverified_email": {
        "zh": "登录服务表示邮箱 {email} 尚未验证，因此没有可查看的内容。",
        "en": "The sign-in service says the e-mail address {email} is not verified, so there is nothing you may see."},
    "signin.refused.unknown_email": {
        "zh": "没有员工使用邮箱 {email}，因此没有可查看的内容。请管理员在团队名单的「邮箱」列中填写你的邮箱。",
        "en": "No employee has the e-mail address {email}, so there is nothing you may see. Ask an admin to put it in "
              "the team list's Email column."},
    "signin.refused.shared_email": {
        "zh": "多位员工（{employees}）使用同一邮箱 {email}，无法确定你是哪位。请联系管理员。",
        "en": "Several employees ({employees}) share the e-mail address {email}, so we cannot tell which one you are. "
              "Ask an admin."},
}
