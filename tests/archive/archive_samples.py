"""Bodies shaped like real challenge pages and soft 404s of government portals."""

from __future__ import annotations

RUISHU_412 = b"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta id="9DhefwqGPrzGxEp9hPaoag" content="ZG9jdW1lbnQ..." r='m'>
<script type="text/javascript" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=43210;$_ts.cd="qEcrrpAlWGlE";</script>
<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js" r='m'></script>
</head><body></body></html>"""

JIASULE_521 = (b"<html><body><script>document.cookie=('_')+('_')+('jsl_cl')+('earance_s')+('=1700000000.123|0|'"
               b")+('abc');location.href=location.pathname+location.search</script></body></html>")

WZWS_200 = """<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>
<script type="text/javascript">var wzwsquestion="*`S@L5XsHv";var wzwsfactor="9031";var wzwsmethod="post";
var wzwsparams="wzwstemplate=Mg==&wzwsquestion=%s";var dynamicurl="/WZWSREL2dvdnhnay9ub2RlXzEuaHRtbA==";</script>
</body></html>""".encode()

CLOUD_SHIELD_GBK = """<html><head><title>访问被拦截</title></head><body>
<div class="box"><h2>您的访问被云防护拦截</h2><p>如您是网站管理员，请登录云防护控制台查看。</p>
<noscript>请开启JavaScript后刷新页面</noscript></div></body></html>""".encode("gbk")

SOFT404_GBK = """<html><head><meta charset="gbk"><title>提示信息</title></head><body>
<div class="err"><img src="/images/404.png"><p>对不起，您访问的页面不存在或已被删除！</p>
<a href="/">返回首页</a></div></body></html>""".encode("gbk")

SOFT404_NUMBER = b"<html><head><title>404</title></head><body><h1>404</h1><p>Sorry.</p></body></html>"
