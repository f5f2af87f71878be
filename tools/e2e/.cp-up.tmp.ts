import { platformTool } from "@platform/components/testing";
import { startControlPlane } from "./control-plane";
import { installCrds, loadCrds } from "./crds";
(async () => {
  const cp = await startControlPlane({ kine: platformTool("kine")!, kubeApiserver: platformTool("kube-apiserver")!, kubeControllerManager: platformTool("kube-controller-manager") }, "/tmp/pl-run/cp");
  await installCrds(cp.api, loadCrds());
  console.log("READY", cp.kubeconfig);
  setInterval(() => undefined, 1 << 30);
})();
